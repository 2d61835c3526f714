import { closeSync } from 'node:fs';
import * as tty from 'node:tty';
import { StepError } from './errors';
import { native } from './native';

/** A pseudo-terminal: the master stays with us, the slave goes inside. */
export interface Pty {
  master: number;
  slave: number;
  /** Host path of the slave, e.g. /dev/pts/3, bound at /dev/console. */
  path: string;
}

export function openPty(): Pty {
  const fds = new Int32Array(2);
  const name = Buffer.alloc(128);
  const result = native().openpty(fds, name, name.length);
  if (result < 0) throw new StepError('open a pseudo-terminal', -result);
  return { master: fds[0], slave: fds[1], path: name.subarray(0, name.indexOf(0)).toString() };
}

const EOF_CHAR = '\x04';

/**
 * Relays the caller's stdin and stdout to a pty: the caller's terminal in
 * raw mode (restored on every exit), the pty's window size following it,
 * and end of input passed on as end of file.
 */
export class ConsoleRelay {
  private master: tty.ReadStream;
  private lastInput = '\n';
  private restore?: () => void;

  constructor(private pty: Pty) {
    const { stdin, stdout } = process;
    // Typed at a terminal, input is echoed by the container's pty; piped
    // in or out, it is data: no echo, no \n to \r\n.
    native().setConsoleMode(pty.slave, stdin.isTTY ? 1 : 0, stdout.isTTY ? 1 : 0);
    this.resize();
    this.master = new tty.ReadStream(pty.master);
  }

  private resize = (): void => {
    const source = process.stdout.isTTY ? process.stdout : process.stderr.isTTY ? process.stderr : undefined;
    if (source?.rows && source.columns) native().setWinsize(this.pty.master, source.rows, source.columns);
  };

  start(): void {
    const { stdin, stdout } = process;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      this.restore = () => stdin.setRawMode(false);
      process.on('exit', this.restore);
    }
    if (stdout.isTTY) stdout.on('resize', this.resize);
    this.master.on('data', (data: Buffer) => stdout.write(data));
    // EIO: every slave fd is closed, the container is gone.
    this.master.on('error', () => undefined);
    stdin.on('data', (data: Buffer) => {
      this.lastInput = data.toString('latin1').slice(-1);
      this.master.write(data);
    });
    stdin.on('end', () => {
      // ^D ends a read at the start of a line; after a partial line the
      // first one only flushes it.
      this.master.write(this.lastInput === '\n' ? EOF_CHAR : EOF_CHAR + EOF_CHAR);
    });
    stdin.on('error', () => undefined);
  }

  /** After the container ended: print what it still wrote, then restore. */
  finish(): Promise<void> {
    process.stdin.pause();
    process.stdin.removeAllListeners('data');
    process.stdout.removeListener('resize', this.resize);
    closeSync(this.pty.slave);
    return new Promise((resolve) => {
      const done = () => {
        this.master.destroy();
        this.restore?.();
        if (process.stdout.writableLength === 0) resolve();
        else process.stdout.once('drain', resolve);
      };
      this.master.once('error', done);
      this.master.once('end', done);
      this.master.once('close', done);
    });
  }
}
