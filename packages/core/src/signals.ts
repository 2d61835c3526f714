import { constants } from 'node:os';
import type { Ending } from './wait';

/** Signals a supervisor passes on to the command it runs. */
export const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function signalName(signal: number): string {
  const name = Object.entries(constants.signals).find(([, n]) => n === signal)?.[0];
  return name ?? `SIG${signal}`;
}

export function signalNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
  if (rt) return 34 + Number(rt[1] ?? 0);
  return (constants.signals as Record<string, number>)[name];
}

/**
 * Passes `signals` received by this process on to `pid` until the returned
 * function is called. `skip` decides per signal whether the target already
 * got it (e.g. Ctrl-C from a shared terminal).
 */
export function forwardSignals(pid: number, signals: NodeJS.Signals[], skip?: (s: NodeJS.Signals) => boolean): () => void {
  const handlers = signals.map((signal) => {
    const handler = () => {
      if (skip?.(signal)) return;
      try { process.kill(pid, signal); } catch { /* already gone */ }
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => handlers.forEach(([signal, handler]) => process.removeListener(signal, handler));
}

/**
 * Ends this process the way the child ended: the same exit code, or death
 * by the same signal, so that a shell sees what it would have seen without
 * us. A signal whose default is not to kill falls back to 128+N.
 */
export function endLike(ending: Ending): never | void {
  if (ending.signal === undefined) {
    process.exit(ending.code);
  }
  const signal = ending.signal;
  const name = signalName(signal) as NodeJS.Signals;
  // Registering then removing a listener leaves the default disposition,
  // also for signals Node ignores (SIGPIPE) or claims (SIGUSR1).
  try {
    process.removeAllListeners(name);
    const noop = () => undefined;
    process.on(name, noop);
    process.removeListener(name, noop);
  } catch {
    // SIGKILL and SIGSTOP take no listener: their default is fixed anyway.
  }
  try { process.kill(process.pid, signal); } catch { /* fall through */ }
  setTimeout(() => process.exit(128 + signal), 50);
}
