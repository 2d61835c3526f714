/**
 * Shutting a container down on request: the first SIGTERM or SIGHUP (and
 * SIGINT, unless a terminal is relayed to the console) sends PID 1 the
 * stop signal and arms a timer; the timer or a second request kills PID 1,
 * and with it the PID namespace.
 */
import { Ending, shellStatus } from '@rootless-containers/core';
import { defaultStopSignal } from './stop-signal';

const SIGHUP = 1;
const SIGINT = 2;
const SIGKILL = 9;

export class Supervisor {
  private pid?: number;
  private timer?: NodeJS.Timeout;
  /** Whether PID 1 was asked to stop (and so may end by rebooting). */
  stopping = false;
  private killing = false;
  private signals: NodeJS.Signals[];

  /**
   * Listens from the start, before PID 1 exists: a request that comes
   * before watch() waits for it instead of killing contain (Node's
   * default), which would leave PID 1 no time to shut down.
   * stopSignal undefined: the one PID 1's program wants, when it is needed.
   */
  constructor(private stopSignal: number | undefined, private timeout: number, interrupt: boolean) {
    this.signals = interrupt ? ['SIGTERM', 'SIGHUP', 'SIGINT'] : ['SIGTERM', 'SIGHUP'];
    for (const s of this.signals) process.on(s, this.request);
    // With a terminal relayed to the console, Ctrl-C is a byte for the
    // container, and a SIGINT from elsewhere is not a request to stop.
    if (!interrupt) process.on('SIGINT', ignore);
  }

  /** Supervises PID 1, acting on the requests that came before. */
  watch(pid: number): void {
    this.pid = pid;
    if (this.killing) this.send(SIGKILL);
    else if (this.stopping) this.askToStop();
  }

  private send(signal: number): void {
    if (this.pid === undefined) return;
    try { process.kill(this.pid, signal); } catch { /* already gone */ }
  }

  private askToStop(): void {
    this.send(this.stopSignal ?? defaultStopSignal(this.pid!));
    this.timer = setTimeout(() => this.send(SIGKILL), this.timeout * 1000);
  }

  private request = (): void => {
    if (this.stopping) {
      this.killing = true;
      return this.send(SIGKILL);
    }
    this.stopping = true;
    if (this.pid !== undefined) this.askToStop();
  };

  stop(): void {
    clearTimeout(this.timer);
    for (const s of this.signals) process.removeListener(s, this.request);
    process.removeListener('SIGINT', ignore);
  }
}

/**
 * contain's exit status for the end of PID 1. Nothing can kill a PID 1
 * with SIGINT or SIGHUP (it ignores every signal it has no handler for,
 * except SIGKILL from outside): the kernel reports those when the
 * container calls reboot(2), SIGINT for halt or power-off, a clean end,
 * and SIGHUP for a reboot, which is 129 unless contain asked the
 * container to stop: then it was the way the container chose to stop.
 */
export function exitStatus(ending: Ending, stopping: boolean): number {
  if (ending.signal === SIGINT) return 0;
  if (ending.signal === SIGHUP && stopping) return 0;
  return shellStatus(ending);
}

function ignore(): void {}
