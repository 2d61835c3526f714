import { WAIT_NOHANG, WAIT_STOPPED, native } from './native';

/** How a process ended: an exit code, or the signal that killed it. */
export type Ending = { code: number; signal?: undefined } | { code?: undefined; signal: number };

export function decodeStatus(status: number): Ending {
  const signal = status & 0x7f;
  return signal === 0 ? { code: (status >> 8) & 0xff } : { signal };
}

/** The exit status a shell reports for an ending: the code, or 128+N. */
export function shellStatus(ending: Ending): number {
  return ending.signal === undefined ? ending.code : 128 + ending.signal;
}

/** Reaps a child that is known to be exiting now (blocking). */
export function reap(pid: number): Ending | undefined {
  const status = new Int32Array(1);
  return native().waitpid(pid, status, 0) === pid ? decodeStatus(status[0]) : undefined;
}

/** The signal that stopped a child, for a waitpid() status that says so. */
export function stopSignal(status: number): number | undefined {
  return (status & 0xff) === 0x7f ? (status >> 8) & 0xff : undefined;
}

/**
 * Waits for one child without blocking the event loop: SIGCHLD wakes us,
 * and waitpid(pid, WNOHANG) asks for that child only, never -1, which
 * would steal the children of Node's child_process. With `onStop`, a
 * stop of the child is reported to it too (WUNTRACED), and the wait goes
 * on once it returns.
 */
export function waitForExit(pid: number, onStop?: (signal: number) => void): Promise<Ending> {
  const status = new Int32Array(1);
  const flags = WAIT_NOHANG | (onStop ? WAIT_STOPPED : 0);
  return new Promise((resolve, reject) => {
    const check = () => {
      for (;;) {
        const result = native().waitpid(pid, status, flags);
        if (result === 0) return;
        const stopped = result === pid ? stopSignal(status[0]) : undefined;
        if (stopped === undefined) {
          process.removeListener('SIGCHLD', check);
          clearInterval(keepAlive);
          if (result === pid) resolve(decodeStatus(status[0]));
          else reject(new Error(`waitpid ${pid}: ${result}`));
          return;
        }
        onStop!(stopped);
      }
    };
    process.on('SIGCHLD', check);
    // Signal handles are unref'd: this timer keeps Node alive meanwhile,
    // and catches a SIGCHLD that arrived before the listener.
    const keepAlive = setInterval(check, 500);
    check();
  });
}
