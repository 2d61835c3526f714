import { closeSync } from 'node:fs';
import type * as Tty from 'node:tty';
import { StepError } from './errors';
import { native } from './native';

/** node:tty, loaded on first use: it brings node:net, which pseudo never needs. */
function tty(): typeof Tty {
  return require('node:tty') as typeof Tty;
}

/** A pseudo-terminal: the master stays with us, the slave goes inside. */
export interface Pty {
  master: number;
  slave: number;
  /** Host path of the slave, e.g. /dev/pts/3, bound at /dev/console;
   * '' for a pty of a container's own devpts (inject's). */
  path: string;
}

export function openPty(): Pty {
  const fds = new Int32Array(2);
  const name = Buffer.alloc(128);
  const result = native().openpty(fds, name, name.length);
  if (result < 0) throw new StepError('open a pseudo-terminal', -result);
  return { master: fds[0], slave: fds[1], path: name.subarray(0, name.indexOf(0)).toString() };
}

/**
 * Relays a pty to the caller: to its stdout (or `output`) always, from its
 * stdin when that is a terminal (put in raw mode, restored on every exit),
 * with the pty's window size following the caller's. Input that is not a
 * terminal does not pass through the pty at all (see `relaysInput`).
 */
export class ConsoleRelay {
  private master: Tty.ReadStream;
  private restore?: () => void;
  /**
   * Whether input goes through the console. Piped input is given to the
   * command as its fd 0 instead: a console in canonical mode would cut
   * lines longer than 4095 bytes and act on ^C, ^D and the like in data.
   */
  readonly relaysInput = tty().isatty(0);

  constructor(private pty: Pty, private output: NodeJS.WriteStream = process.stdout) {
    // Typed at a terminal, input is echoed by the container's pty. Output
    // to a terminal in raw mode needs the pty's \n to \r\n; to a pipe or
    // file it is data, and a terminal we leave as it is adds its own.
    native().setConsoleMode(pty.slave, this.relaysInput ? 1 : 0, this.relaysInput && output.isTTY ? 1 : 0);
    this.resize();
    this.master = new (tty().ReadStream)(pty.master);
  }

  /** Gives the pty the caller's window size (again, e.g. after a stop). */
  resize = (): void => {
    const source = this.output.isTTY ? this.output : process.stderr.isTTY ? process.stderr : undefined;
    if (source?.rows && source.columns) native().setWinsize(this.pty.master, source.rows, source.columns);
  };

  start(): void {
    const stdout = this.output;
    if (stdout.isTTY) stdout.on('resize', this.resize);
    this.master.on('data', (data: Buffer) => stdout.write(data));
    // EIO: every slave fd is closed, the container is gone.
    this.master.on('error', () => undefined);
    // A closed pipe or a vanished terminal: nobody reads the console any
    // more, so hang it up as a terminal going away would.
    stdout.on('error', this.hangUp);
    if (!this.relaysInput) return;
    const { stdin } = process;
    // Fully raw, output processing too, which setRawMode() would leave
    // on: the pty has made each \n a \r\n already, and the terminal
    // would add another \r. Restored natively on every exit.
    const raw = native().ttyRaw(0);
    if (raw < 0) throw new StepError('put the terminal in raw mode', -raw);
    this.restore = () => native().ttyRestore();
    process.on('exit', this.restore);
    stdin.on('data', (data: Buffer) => this.master.write(data));
    // A terminal reads end of file (or EIO) once it is hung up: pass the
    // hang-up on to the console.
    stdin.on('end', this.hangUp);
    stdin.on('error', this.hangUp);
  }

  private hangUp = (): void => {
    this.master.destroy();
  };

  /** After the container ended: print what it still wrote, then restore. */
  finish(): Promise<void> {
    const stdout = this.output;
    if (this.relaysInput) {
      process.stdin.pause();
      process.stdin.removeAllListeners('data');
    }
    stdout.removeListener('resize', this.resize);
    closeSync(this.pty.slave);
    return new Promise((resolve) => {
      const done = () => {
        this.master.destroy();
        this.restore?.();
        if (stdout.writableLength === 0 || stdout.destroyed) resolve();
        else {
          stdout.once('drain', resolve);
          stdout.once('error', resolve);
        }
      };
      if (this.master.destroyed) return done();
      this.master.once('error', done);
      this.master.once('end', done);
      this.master.once('close', done);
    });
  }
}
