/**
 * Handing the running container to the native supervisor
 * (native/supervisor.c): contain's Node process execs it, keeping its pid,
 * so no Node stays resident. Everything it does is decided here and
 * written to it as NUL-separated KEY and VALUE pairs on fd 3.
 */
import { StepError, files, nativeOutput, native } from '@rootless-containers/core';
import { DEFAULT_STOP_SIGNAL, STOP_RULES } from './stop-signal';

export interface Handover {
  name: string;
  pid1: number;
  /** Helpers (network) to end once PID 1 has ended. */
  helpers: number[];
  stopSignal?: number;
  stopTimeout: number;
  /** Whether SIGINT asks the container to stop (no terminal relayed). */
  interrupt: boolean;
  /** Stop requests that came while the container started. */
  requests: number;
  /** The console's pty master, if there is a console. */
  console?: number;
  /** Whether fds 0 and 1 are the console's client now (not detached). */
  attached: boolean;
  relayInput: boolean;
  raw: boolean;
  /** fd 1 is a terminal we own: output processing off while relaying. */
  rawOutput: boolean;
  listen?: number;
  log?: string;
  /** fds whose locks must live as long as the supervisor. */
  locks: number[];
  /** The entry's lock file, which the janitor takes before it sweeps. */
  lock: string;
  /** Paths the supervisor removes at the end, in order. */
  remove: string[];
  /**
   * Lock files removed at the end too, but by the janitor only while it
   * can take their lock: another container may claim them once the
   * supervisor is gone.
   */
  removeIfFree: string[];
}

/** ^] three times within a second detaches a terminal from the console. */
const ESCAPE = 0x1d;
/** The console log keeps about twice this much. */
const LOG_MAX = 1 << 20;
/** What contain exits with when the container halted, or rebooted. */
const STATUS = { halt: 0, reboot: 129, rebootWhileStopping: 0 };

/**
 * Stop requests (SIGTERM, SIGHUP, and SIGINT if it asks to) while the
 * container starts, counted natively: Node's own listeners would learn of
 * one only in a turn of its event loop, two turns of which the start then
 * had to take before the count was final.
 */
export class StartSignals {
  constructor(interrupt: boolean) {
    const result = native().countRequests(interrupt ? 1 : 0);
    if (result < 0) throw new StepError('catch stop requests', -result);
  }

  /** From now on they wait, pending, for the supervisor: the count so far. */
  hold(): number {
    const result = native().holdSignals();
    if (result < 0) throw new StepError('hold stop requests for the supervisor', -result);
    return result;
  }

  stop(): void {
    native().uncountRequests();
  }
}

function orders(h: Handover, fd: (index: number) => number): string[] {
  const pairs: [string, string | number][] = [
    ['name', h.name],
    ['pid1', h.pid1],
    ...h.helpers.map((pid) => ['helper', pid] as [string, number]),
    ['stop-signal', h.stopSignal ?? 0],
    ...STOP_RULES.map((r) => ['stop-rule', `${r.exe}:${r.argv0}:${r.signal}`] as [string, string]),
    ['stop-default', DEFAULT_STOP_SIGNAL],
    ['stop-timeout-ms', Math.round(h.stopTimeout * 1000)],
    ['interrupt', h.interrupt ? 1 : 0],
    ['requests', h.requests],
    ['attached', h.attached ? 1 : 0],
    ['relay-input', h.relayInput ? 1 : 0],
    ['raw', h.raw ? 1 : 0],
    ['raw-output', h.rawOutput ? 1 : 0],
    ['status-halt', STATUS.halt],
    ['status-reboot', STATUS.reboot],
    ['status-reboot-stopping', STATUS.rebootWhileStopping],
    ['escape', ESCAPE],
    ['escape-count', 3],
    ['escape-window-ms', 1000],
    ['log-max', LOG_MAX],
    ['detach-message', `\r\ncontain: detached from ${h.name}; contain --attach ${h.name} returns to it\r\n`],
    ['lock', h.lock],
    // The root's lock first: once the entry is gone, so is the claim.
    ...h.removeIfFree.map((path) => ['remove-if-free', path] as [string, string]),
    ...h.remove.map((path) => ['remove', path] as [string, string]),
  ];
  if (h.console !== undefined) pairs.push(['console', fd(1)]);
  if (h.listen !== undefined) pairs.push(['listen', fd(2)]);
  if (h.log) pairs.push(['log', h.log]);
  return pairs.flatMap(([key, value]) => [key, String(value)]);
}

/** Execs the supervisor; returns only by throwing. */
export function handOver(h: Handover, detached: boolean): never {
  const pipe = new Int32Array(2);
  let result = native().pipe(pipe);
  if (result < 0) throw new StepError('create the supervisor\'s pipe', -result);
  // fd 3: the orders; 4: the console; 5: the attach socket; then the locks.
  const fds = [pipe[0], h.console ?? pipe[0], h.listen ?? pipe[0], ...h.locks];
  // The orders are small: the pipe holds them whole before the exec.
  files.writeStrings(pipe[1], orders(h, (i) => 3 + i));
  files.close(pipe[1]);
  const program = nativeOutput('supervisor/contain');
  result = native().exec(program, ['contain', h.name, null], [null], Int32Array.from(fds), fds.length,
    detached ? 1 : 0);
  throw new StepError(`run ${program}`, -result);
}
