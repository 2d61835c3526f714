/**
 * Finding the container behind the pid inject was given: contain's own
 * pid (its child is the container's PID 1) or PID 1's host pid.
 */
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { StepError, fromSystemError, usageError } from '@rootless-containers/core';

/** The largest pid_max Linux allows (PID_MAX_LIMIT on 64-bit). */
const PID_MAX_LIMIT = 4194304;

/** The container's PID 1, pinned by an open /proc/PID directory. */
export interface Target {
  /** Host pid of the container's PID 1. */
  pid: number;
  /** The pid inject was given: contain's, or PID 1's. */
  given: number;
  /** fd of /proc/PID: paths through it fail if that process is gone,
   * even if its pid number is reused meanwhile. */
  fd: number;
  /** /proc/self/fd/FD, the process's /proc directory through that fd. */
  dir: string;
}

export function parsePid(text: string): number {
  if (!/^[1-9][0-9]*$/.test(text) || Number(text) > PID_MAX_LIMIT) {
    throw usageError(`${text}: not a pid`, true);
  }
  return Number(text);
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** Opens /proc/PID, or undefined if there is no such process. */
function openProcess(pid: number): Target | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}`, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromSystemError(`open /proc/${pid}`, error);
  }
  return { pid, given: pid, fd, dir: `/proc/self/fd/${fd}` };
}

function field(status: string, name: string): string[] {
  const line = status.split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? line.slice(name.length + 1).trim().split(/\s+/) : [];
}

/** Real uid of the process, or undefined once it is gone. */
function owner(proc: Target): number | undefined {
  const status = read(`${proc.dir}/status`);
  return status === undefined ? undefined : Number(field(status, 'Uid')[0]);
}

/** Whether the process was PID 1 of a PID namespace below ours. */
function isInit(proc: Target): boolean {
  const status = read(`${proc.dir}/status`);
  const nspid = status === undefined ? [] : field(status, 'NSpid');
  return nspid.length >= 2 && nspid[nspid.length - 1] === '1';
}

/** A process that has ended but is not reaped yet: a zombie. */
function ended(proc: Target): boolean {
  const status = read(`${proc.dir}/status`);
  return status !== undefined && field(status, 'State')[0] === 'Z';
}

/** PID 1 of a PID namespace below ours, started by contain. */
function isContainerInit(proc: Target): boolean {
  if (!isInit(proc)) return false;
  return (read(`${proc.dir}/environ`) ?? '').split('\0').includes('container=contain');
}

/** The children of pid: every thread's, since any thread may fork. */
function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((task) => (read(`/proc/${pid}/task/${task}/children`) ?? '')
    .split(' ').filter(Boolean).map(Number));
}

function mine(proc: Target): boolean {
  const uid = owner(proc), me = process.getuid!();
  // Root may enter anyone's container; anyone else only their own.
  return uid !== undefined && (uid === me || me === 0);
}

/**
 * The container's PID 1 for `pid`: the pid itself if it is one, else the
 * child of contain that is. Each kind of wrong pid gets its own message.
 */
export function findContainer(pid: number): Target {
  const given = openProcess(pid);
  if (!given) throw new StepError(`no process has pid ${pid}`);
  if (!mine(given)) {
    closeSync(given.fd);
    throw new StepError(`process ${pid} belongs to another user`);
  }
  if (isContainerInit(given)) return given;
  // A PID 1 that has exited, and is not reaped yet, shows no environment.
  const gone = isInit(given) && ended(given);
  closeSync(given.fd);
  if (gone) throw new StepError(`process ${pid}, a container's PID 1, has ended`);
  let endedInit = false;
  for (const child of children(pid)) {
    const init = openProcess(child);
    if (!init) continue;
    if (mine(init) && isContainerInit(init)) return { ...init, given: pid };
    endedInit ||= mine(init) && isInit(init) && ended(init);
    closeSync(init.fd);
  }
  if (endedInit) throw new StepError(`the container of process ${pid} has ended`);
  throw new StepError(`process ${pid} is neither contain nor a container's PID 1`);
}

/** The error for a container whose PID 1 went away after we found it. */
export function endedError(target: Target): StepError {
  return target.given === target.pid
    ? new StepError(`process ${target.pid}, a container's PID 1, has ended`)
    : new StepError(`the container of process ${target.given} has ended`);
}

/** Whether the container's PID 1 has ended (or is gone) by now. */
export function hasEnded(target: Target): boolean {
  return read(`${target.dir}/status`) === undefined || ended(target);
}

/** Environment of the container's PID 1, as NAME=value strings. */
export function environment(target: Target): string[] {
  return (read(`${target.dir}/environ`) ?? '').split('\0').filter((e) => e.includes('='));
}

/** Whether an id is mapped in the container's uid_map (or gid_map). */
export function mapped(target: Target, file: 'uid_map' | 'gid_map', id: number): boolean {
  return (read(`${target.dir}/${file}`) ?? '').split('\n').some((line) => {
    const [inner, , count] = line.trim().split(/\s+/).map(Number);
    return id >= inner && id < inner + count;
  });
}

/** Whether the container's user namespace lets its root call setgroups(). */
export function setgroupsAllowed(target: Target): boolean {
  return read(`${target.dir}/setgroups`)?.trim() === 'allow';
}
