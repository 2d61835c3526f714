import { readFileSync } from 'node:fs';
import { nativeIfLoaded } from './native';
import type { Ending } from './wait';

/**
 * Linux's signal numbers as x86, ARM, POWER, s390, RISC-V and LoongArch
 * have them, in os.constants.signals' order (the first name of a number
 * is the one shown). Not os.constants itself, which other architectures
 * (MIPS) get: loading `os` costs each start about 0.4 ms of CPU, as Node
 * compiles it from source under the tools' V8 flags (see bin/TOOL).
 */
const GENERIC_SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGCHLD: 17, SIGSTKFLT: 16,
  SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25,
  SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};
const GENERIC_ARCHES = ['x64', 'ia32', 'arm', 'arm64', 'ppc', 'ppc64', 's390', 's390x', 'riscv64', 'loong64'];

const generic = process.platform === 'linux' && GENERIC_ARCHES.includes(process.arch);

/** Signal numbers by name: SIGNALS.SIGTERM is 15. */
export const SIGNALS: Readonly<Record<string, number>> = generic
  ? GENERIC_SIGNALS : (require('node:os') as typeof import('node:os')).constants.signals;

/** Signals a supervisor passes on to the command it runs. */
export const FORWARDED: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function signalName(signal: number): string {
  const name = Object.entries(SIGNALS).find(([, n]) => n === signal)?.[0];
  return name ?? `SIG${signal}`;
}

export function signalNumber(text: string): number | undefined {
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  // A name first: each RegExp below costs a compile at its first use, in
  // every start (the stop rules name their signals).
  const known = SIGNALS[name];
  if (known !== undefined) return known;
  if (/^\d+$/.test(text)) return Number(text);
  // glibc keeps 32 and 33 for itself: SIGRTMIN is 34 to a program, as
  // in kill -l, and SIGRTMAX is 64; SIGRTMIN+N and SIGRTMAX-N count in.
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (rt) {
    const [, end, sign, count] = rt;
    const signal = end === 'MIN' ? 34 + Number(count ?? 0) : 64 - Number(count ?? 0);
    const inward = !sign || sign === (end === 'MIN' ? '+' : '-');
    return inward && signal >= 34 && signal <= 64 ? signal : undefined;
  }
  return undefined;
}

/** Passes signals on to a command; see relaySignals(). */
export interface SignalRelay {
  /** Starts passing signals to `pid`, first those that came before. */
  to(pid: number): void;
  /** Stops listening. */
  stop(): void;
}

/**
 * Listens for `signals` at once and passes them on to the command once
 * its pid is known: a signal that arrives while the command is being
 * started is held, not lost, and does not kill us by its default action.
 * `skip` decides per signal whether the target already got it (e.g.
 * Ctrl-C from a shared terminal).
 */
export function relaySignals(signals: NodeJS.Signals[], skip?: (s: NodeJS.Signals) => boolean): SignalRelay {
  let target: number | undefined;
  const held: NodeJS.Signals[] = [];
  const send = (signal: NodeJS.Signals) => {
    try { process.kill(target!, signal); } catch { /* already gone */ }
  };
  const handlers = signals.map((signal) => {
    const handler = () => {
      if (skip?.(signal)) return;
      if (target === undefined) held.push(signal);
      else send(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    to(pid) {
      target = pid;
      held.splice(0).forEach(send);
    },
    stop() {
      handlers.forEach(([signal, handler]) => process.removeListener(signal, handler));
    },
  };
}

/**
 * Ends this process the way the child ended: the same exit code, or death
 * by the same signal, so that a shell sees what it would have seen without
 * us. At once, natively: Node's own teardown costs milliseconds, and
 * stdout and stderr are written synchronously on Linux, so nothing waits.
 */
export function endLike(ending: Ending): never {
  const loaded = nativeIfLoaded();
  // Nothing ran (--help, a usage error): Node's own exit, no library needed.
  if (!loaded) process.exit(ending.code ?? 128 + (ending.signal ?? 0));
  // What was to happen on exit (a terminal put back in its mode) still does.
  process.emit('exit', ending.code ?? 128 + (ending.signal ?? 0));
  loaded.exitLike(ending.code ?? 0, ending.signal ?? 0);
  throw new Error('unreachable: exit returned');
}

const SIGSTOP = 19;

/**
 * How long a stopped command must stay stopped before its wrapper stops
 * too: killall5 (sysvinit's shutdown) stops every process in the
 * container only for the moment it takes to signal them all.
 */
export const STOP_GRACE_MS = 200;

/** Parent, process group and session of a process, from /proc/PID/stat. */
export function lineage(pid: number): { ppid: number; pgrp: number; session: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [, ppid, pgrp, session] = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
    return { ppid, pgrp, session };
  } catch {
    return undefined;
  }
}

/**
 * The signal to stop ourselves with when a child stopped by `signal`:
 * the same, so that a shell reports the job as it would the child, but
 * SIGSTOP when our process group is orphaned (no ancestor in it has a
 * parent in our session but outside the group): the kernel drops the
 * SIGTSTP, SIGTTIN and SIGTTOU of such a group, and we would not stop.
 */
export function ownStopSignal(signal: number): number {
  const own = lineage(process.pid);
  if (!own) return SIGSTOP;
  for (let member = own; ;) {
    const parent = member.ppid > 0 ? lineage(member.ppid) : undefined;
    if (!parent || parent.session !== own.session) return SIGSTOP;
    if (parent.pgrp !== own.pgrp) return signal;
    member = parent;
  }
}
