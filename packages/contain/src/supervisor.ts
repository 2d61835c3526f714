/**
 * Shutting a container down on request: the first SIGTERM or SIGHUP (and
 * SIGINT without a console) sends PID 1 the stop signal and arms a timer;
 * the timer or a second request kills PID 1, and with it the PID namespace.
 */
const SIGKILL = 9;

export class Supervisor {
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private signals: NodeJS.Signals[];

  constructor(private pid: number, private stopSignal: number, private timeout: number, interrupt: boolean) {
    this.signals = interrupt ? ['SIGTERM', 'SIGHUP', 'SIGINT'] : ['SIGTERM', 'SIGHUP'];
    for (const s of this.signals) process.on(s, this.request);
    // With a console, Ctrl-C is a byte for the container, and a SIGINT
    // from elsewhere is not a request to stop.
    if (!interrupt) process.on('SIGINT', ignore);
  }

  private send(signal: number): void {
    try { process.kill(this.pid, signal); } catch { /* already gone */ }
  }

  private request = (): void => {
    if (this.stopping) return this.send(SIGKILL);
    this.stopping = true;
    this.send(this.stopSignal);
    this.timer = setTimeout(() => this.send(SIGKILL), this.timeout * 1000);
  };

  stop(): void {
    clearTimeout(this.timer);
    for (const s of this.signals) process.removeListener(s, this.request);
    process.removeListener('SIGINT', ignore);
  }
}

function ignore(): void {}
