import { StepError } from './errors';
import { native } from './native';
import { SIGNALS } from './signals';
import { decodeStatus, stopSignal, type Ending } from './wait';

/** A command's signals, held for it natively; see forwardSignals(). */
export interface SignalForwarder {
  /**
   * Waits for `pid` to end, blocking, and passes each held signal on to
   * it, first those that came before. A stop of it is reported to
   * `onStop`, and the wait goes on once that returns.
   */
  wait(pid: number, onStop: (signal: number) => void): Ending;
  /** Drops what is still held (the command never ran) and gives the signals back to Node. */
  stop(): void;
}

/**
 * Holds `signals` from now on for a command about to start, natively
 * (forward.c): one that comes while it starts waits for it instead of
 * ending us. `skip` decides per signal whether the command gets it from
 * us at all (e.g. Ctrl-C from a terminal they share). For a wrapper that
 * needs nothing of Node's event loop while it waits (pseudo): the signal
 * handles, timer and promise of relaySignals() and waitForExit() cost a
 * start more than a millisecond of CPU. Nothing in Node may listen for
 * these signals or SIGCHLD meanwhile: they are not Node's until stop().
 */
export function forwardSignals(signals: NodeJS.Signals[], skip?: (s: NodeJS.Signals) => boolean): SignalForwarder {
  const numbers = Int32Array.from(signals, (s) => SIGNALS[s]);
  const sends = numbers.map((n, i) => (skip?.(signals[i]) ? 0 : n));
  // A failed start holds nothing: there is nothing to stop.
  const held = native().forwardStart(numbers, sends, signals.length);
  if (held < 0) throw new StepError('hold signals for the command', -held);
  return {
    wait(pid, onStop) {
      const status = new Int32Array(1);
      for (;;) {
        const result = native().forwardWait(pid, status);
        if (result !== pid) throw new StepError(`wait for process ${pid}`, result < 0 ? -result : 0);
        const stopped = stopSignal(status[0]);
        if (stopped === undefined) return decodeStatus(status[0]);
        onStop(stopped);
      }
    },
    stop() {
      native().forwardStop();
    },
  };
}
