import { native } from './native';

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

/**
 * Waits for one child without blocking the event loop: SIGCHLD wakes us,
 * and waitpid(pid, WNOHANG) asks for that child only, never -1, which
 * would steal the children of Node's child_process.
 */
export function waitForExit(pid: number): Promise<Ending> {
  const status = new Int32Array(1);
  return new Promise((resolve, reject) => {
    const check = () => {
      const result = native().waitpid(pid, status, 1);
      if (result === 0) return;
      process.removeListener('SIGCHLD', check);
      clearInterval(keepAlive);
      if (result === pid) resolve(decodeStatus(status[0]));
      else reject(new Error(`waitpid ${pid}: ${result}`));
    };
    process.on('SIGCHLD', check);
    // Signal handles are unref'd: this timer keeps Node alive meanwhile,
    // and catches a SIGCHLD that arrived before the listener.
    const keepAlive = setInterval(check, 500);
    check();
  });
}
