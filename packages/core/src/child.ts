import { readFileSync } from 'node:fs';
import type { Pty } from './console';
import { StepError, usageError } from './errors';
import * as files from './files';
import {
  Child, EXEC_DANGLING_LINK, EXEC_DIRECTORY, EXEC_ELF_INTERPRETER, EXEC_SCRIPT_INTERPRETER, JoinConfig,
  REPORT_SIZE, SpawnConfig, native,
} from './native';
import { MapPlan, writeMaps } from './userns';
import { decodeStatus, reap, shellStatus } from './wait';

/** A record from a child's report pipe (struct ct_report). */
export interface Report {
  error: number;
  status: number;
  step: string;
  /** The path the step was done to, inside the container; '' for none. */
  path: string;
}

/** The record at the start of buffer, which holds REPORT_SIZE bytes or more. */
function decodeReport(buffer: Buffer): Report {
  const text = (start: number, size: number) => {
    const field = buffer.subarray(start, start + size);
    return field.subarray(0, Math.max(0, field.indexOf(0))).toString();
  };
  return { error: buffer.readInt32LE(0), status: buffer.readInt32LE(4), step: text(8, 56), path: text(64, 256) };
}

function readReport(fd: number): Report | null {
  const buffer = Buffer.alloc(REPORT_SIZE);
  let got = 0;
  while (got < REPORT_SIZE) {
    const n = files.read(fd, buffer.subarray(got));
    if (n === 0) break;
    got += n;
  }
  return got < REPORT_SIZE ? null : decodeReport(buffer);
}

/** Every record on a child's report pipe, to its end of file. */
function readReports(fd: number): Report[] {
  const records: Report[] = [];
  for (let record; (record = readReport(fd));) records.push(record);
  return records;
}

/**
 * Why exec() failed, from the child's report (and the detail record that
 * follows some): what is missing is named, with the path the command has
 * where it runs, inside the container.
 */
function execError(report: Report, detail: string, command: string): StepError {
  const path = report.path || command;
  switch (report.status) {
    case EXEC_ELF_INTERPRETER:
      return new StepError(`cannot run ${path}: its ELF interpreter ${detail} is missing`, 0, 'not-executable');
    case EXEC_SCRIPT_INTERPRETER:
      return new StepError(`cannot run ${path}: its #! interpreter ${detail} is missing`, 0, 'not-executable');
    case EXEC_DANGLING_LINK:
      return new StepError(`cannot run ${path}: it is a dangling link to ${detail}`, 0, 'not-found');
    case EXEC_DIRECTORY:
      return new StepError(`cannot run ${path}: it is a directory`, 0, 'not-executable');
    default:
      if (report.error === 2) return new StepError(`${command}: command not found`, 0, 'not-found');
      return new StepError(`cannot run ${path}`, report.error, 'not-executable');
  }
}

/** Turns a child's report into the error main() explains. */
function reportError(report: Report, command: string, detail = ''): StepError {
  if (report.step === 'exec') return execError(report, detail, command);
  if (report.step === '-i command') {
    const status = shellStatus(decodeStatus(report.status));
    return new StepError(`the -i command failed with status ${status}`, 0, 'helper', undefined, status);
  }
  // Only a refusal is the file system's doing: not a missing or odd mount
  // point. EACCES is a directory container root may not search: an owner
  // unmapped in the container leaves it only the permissions of others.
  const mounting = report.step.startsWith('mount') || report.step.startsWith('bind');
  const hint = !mounting ? undefined
    : report.error === 13 ? 'container root may not enter it: each directory on the way must be owned by an id mapped in the container or searchable by others (chmod o+x)'
      : report.error === 1 ? 'is the directory on a file system that allows mounts from a user namespace?' : undefined;
  return new StepError(report.path ? `${report.step} ${report.path}` : report.step, report.error, 'setup', hint);
}

/** Why clone() of a user namespace may be refused, naming the setting. */
export function usernsHint(): string | undefined {
  const read = (file: string) => {
    try { return readFileSync(file, 'utf8').trim(); } catch { return undefined; }
  };
  if (read('/proc/sys/kernel/unprivileged_userns_clone') === '0') {
    return 'user namespaces are disabled: sysctl kernel.unprivileged_userns_clone=1';
  }
  if (read('/proc/sys/user/max_user_namespaces') === '0') {
    return 'user namespaces are disabled: sysctl user.max_user_namespaces is 0';
  }
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns') === '1') {
    return 'AppArmor restricts user namespaces: sysctl kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile that allows userns';
  }
  return undefined;
}

function abort(child: Child): void {
  // Closing go_fd without a byte tells the child to exit at once.
  files.close(child.go_fd);
  files.close(child.report_fd);
  reap(child.pid);
  native().spawnRelease();
}

/** What happens between clone() and letting the child go on. */
export type BeforeGo = (pid: number) => Promise<void>;

/** A caller's own message for a report, or undefined for the usual one. */
export type ExplainReport = (report: Report) => StepError | undefined;

/** An empty CMD would be looked up as a directory of PATH: refuse it. */
export function checkCommand(argv: string[]): void {
  if (argv.length > 0 && argv[0] === '') throw usageError('CMD is an empty string');
}

/**
 * Starts config.file in new namespaces: clones the child, writes its id
 * maps, runs `beforeGo`, lets it go on and waits until it has exec'd the
 * command (or reported the step that failed). Returns its pid.
 */
export async function spawnContained(config: SpawnConfig, plan: MapPlan, beforeGo?: BeforeGo,
  explain?: ExplainReport): Promise<number> {
  checkCommand([config.file]);
  const child: Child = { pid: 0, go_fd: -1, report_fd: -1 };
  const result = native().spawn(config, child);
  if (result < 0) throw new StepError('create namespaces', -result, 'setup', usernsHint());
  try {
    await writeMaps(child.pid, plan);
    await beforeGo?.(child.pid);
  } catch (error) {
    abort(child);
    throw error;
  }
  return finishStart(child, config.argv[0] ?? config.file, explain);
}

/**
 * Lets the child go on and waits, in one native call, until its report
 * pipe ends: nothing means it exec'd the command; a report means it
 * failed, and it is reaped. Nothing of Node's may run meanwhile: the
 * child shares our memory and errno until its exec (ct_spawn). A child
 * killed while it waited is reported as any end of PID 1 is, by whoever
 * waits for it.
 */
function finishStart(child: Child, command: string, explain?: ExplainReport): number {
  const bytes = new Uint8Array(REPORT_SIZE * 4);
  const got = native().spawnGo(child.go_fd, child.report_fd, bytes, bytes.length);
  files.close(child.go_fd);
  files.close(child.report_fd);
  const records: Report[] = [];
  // A Buffer only for reports: a start that worked has none, and runs no Buffer function.
  if (got > 0) {
    const buffer = Buffer.from(bytes.buffer, 0, got);
    for (let at = 0; at + REPORT_SIZE <= got; at += REPORT_SIZE) records.push(decodeReport(buffer.subarray(at)));
  }
  if (got !== 0) reap(child.pid);
  native().spawnRelease();
  if (got < 0) throw new StepError('let the child go on', -got);
  if (got > 0 && records.length === 0) throw new StepError(`start ${command}: its report was cut short`);
  const [report, detail] = records;
  if (report) {
    throw explain?.(report) ?? reportError(report, command, detail?.step === 'exec detail' ? detail.path : '');
  }
  return child.pid;
}

/**
 * Runs config.file in the namespaces given by fds (ct_join): the joining
 * process reports the pid of the command, a child of ours, then exits.
 * With `setUpPty`, CMD gets a pty the child opens from the container's
 * own devpts (its path ''): setUpPty gets it, to keep, before CMD starts.
 */
export function joinContainer(config: JoinConfig, setUpPty?: (pty: Pty) => void): number {
  checkCommand([config.file]);
  const pair = new Int32Array([-1, -1]);
  if (setUpPty) {
    const made = native().socketpair(pair);
    if (made < 0) throw new StepError('create a socket pair', -made);
  }
  const child: Child = { pid: 0, go_fd: -1, report_fd: -1 };
  const result = native().join({ ...config, pty_socket: pair[1] }, child);
  if (pair[1] >= 0) files.close(pair[1]);
  if (result < 0) {
    if (pair[0] >= 0) files.close(pair[0]);
    throw new StepError('fork', -result);
  }
  const command = config.argv[0] ?? config.file;
  files.write(child.go_fd, 'g');
  try {
    if (setUpPty) receivePty(pair[0], child, setUpPty);
  } finally {
    if (pair[0] >= 0) files.close(pair[0]);
  }
  // To its end: the joining process reports "started" and exits, and CMD
  // closes its copy at exec, or reports why it failed, maybe first.
  const records = readReports(child.report_fd);
  files.close(child.go_fd);
  files.close(child.report_fd);
  reap(child.pid);
  const started = records.find((r) => r.step === 'started');
  const failure = records.find((r) => r.step !== 'started' && r.step !== 'exec detail');
  if (failure) {
    if (started) reap(started.status);
    const detail = records.find((r) => r.step === 'exec detail');
    throw reportError(failure, command, detail?.path);
  }
  if (!started) throw new StepError('join the container');
  return started.status;
}

/**
 * Takes the pty the child sends (nothing if it failed first: its report
 * says why), has it set up, and lets the child go on to start CMD.
 */
function receivePty(socket: number, child: Child, setUpPty: (pty: Pty) => void): void {
  const fds = new Int32Array(2);
  const got = native().receiveFds(socket, fds, 2);
  if (got === 2) {
    setUpPty({ master: fds[0], slave: fds[1], path: '' });
    files.write(child.go_fd, 'g');
    return;
  }
  for (let i = 0; i < got; i++) files.close(fds[i]);
}
