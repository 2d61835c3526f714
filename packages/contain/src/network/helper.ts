/**
 * A network helper's process: started tied to contain's main thread
 * (ct_start_tied), so that the kernel kills it when the supervisor that
 * thread becomes ends in any way; its output goes to a file that is
 * unlinked at once, read only to explain a failure.
 */
import { closeSync, constants, openSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Ending, StepError, decodeStatus, fromSystemError, native, reap, shellStatus } from '@rootless-containers/core';
import { Publish } from './publish';

const SIGKILL = 9;
/** How long a helper may take to bring the network up. */
export const READY_MS = 10_000;

/** What a helper needs to know to start. */
export interface StartOptions {
  program: string;
  /** Host pid of PID 1, whose namespaces the helper joins. */
  pid: number;
  /** The container's entry directory, for the helper's files. */
  dir: string;
  env: string[];
  publish: Publish[];
  hostLoopback: boolean;
}

/** One kind of helper: pasta or slirp4netns. */
export interface HelperKind {
  program: string;
  /** The Debian package that installs it. */
  package: string;
  /** The address of its DNS forwarder, as seen inside. */
  forwarder: string;
  /** Refuses published ports it cannot have, before anything starts. */
  check?(publish: Publish[]): void;
  start(options: StartOptions): Promise<Tied>;
}

export interface Tied {
  name: string;
  pid: number;
  /** Its output (stdout and stderr), already unlinked. */
  output: number;
  /** How it ended, once reaped here. */
  ending?: Ending;
}

/** Starts `program` with fds 0-2 and `extra` as fds 3, 4, ...; returns once it has exec'd. */
export function startTied(name: string, program: string, args: string[], env: string[], dir: string,
  extra: number[] = []): Tied {
  const path = join(dir, `${name}.out`);
  let output: number;
  try {
    output = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL, 0o600);
    // Nothing on disk: the helper and we hold the only references.
    unlinkSync(path);
  } catch (error) {
    throw fromSystemError(`create ${path}`, error);
  }
  const input = openSync('/dev/null', 'r');
  const fds = Int32Array.from([input, output, output, ...extra]);
  const pid = native().startTied(program, [program, ...args, null], [...env, null], fds, fds.length, SIGKILL, 0);
  closeSync(input);
  if (pid < 0) {
    closeSync(output);
    throw new StepError(`run ${program}`, -pid);
  }
  return { name, pid, output };
}

/** How the helper ended, if it has (reaped here: it is our child). */
export function ended(tied: Tied): Ending | undefined {
  if (tied.ending) return tied.ending;
  const status = new Int32Array(1);
  if (native().waitpid(tied.pid, status, 1) === tied.pid) tied.ending = decodeStatus(status[0]);
  return tied.ending;
}

/** Kills and reaps a helper that must not live on (a failed start). */
export function endTied(tied: Tied): void {
  if (!ended(tied)) {
    try { process.kill(tied.pid, 'SIGKILL'); } catch { /* gone */ }
    tied.ending = reap(tied.pid);
  }
  closeOutput(tied);
}

export function closeOutput(tied: Tied): void {
  if (tied.output < 0) return;
  closeSync(tied.output);
  tied.output = -1;
}

/** The last thing the helper said, without its complaints about syslog. */
export function lastWords(tied: Tied): string {
  if (tied.output < 0) return '';
  const buffer = Buffer.alloc(16384);
  const n = readSync(tied.output, buffer, 0, buffer.length, 0);
  const lines = buffer.subarray(0, n).toString().split('\n').map((l) => l.trim())
    .filter((l) => l !== '' && !/syslog/i.test(l));
  return lines[lines.length - 1] ?? '';
}

/** Why a helper failed: its own last words, or how it ended; `hint` what to do about it. */
export function failure(tied: Tied, what: string, hint?: string): StepError {
  const said = lastWords(tied);
  const how = tied.ending ? ` (status ${shellStatus(tied.ending)})` : '';
  return new StepError(`${tied.name} ${what}${how}${said ? `: ${said}` : ''}`, 0, 'setup', hint);
}

/**
 * Waits until `ready()` says so, without blocking the event loop; fails
 * if the helper ends first or takes longer than READY_MS.
 */
export async function waitReady(tied: Tied, ready: () => boolean): Promise<void> {
  const until = Date.now() + READY_MS;
  for (;;) {
    if (ready()) return;
    if (ended(tied)) throw failure(tied, 'ended before the network was up');
    if (Date.now() > until) throw failure(tied, `did not bring the network up within ${READY_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
