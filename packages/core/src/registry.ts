/**
 * The running containers of a user: one directory each in the user's
 * runtime directory, named after the container, holding a lock that its
 * supervisor keeps for as long as it lives, what `--list` shows, and the
 * console's socket and log. The lock is what counts: an entry whose lock
 * is free belongs to a container that has ended, however it ended, and
 * is swept away by whoever sees it. The directory of them all stays, as
 * tmux's does: removed with the last entry, it was gone from under a
 * container starting at that moment, and each start paid for making it.
 */
import { constants, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StepError, fromSystemError } from './errors';
import * as files from './files';
import { native } from './native';

/** What `contain --list` shows of a container: its info.json. */
export interface ContainerInfo {
  name: string;
  /** Host pid of the supervisor (contain). */
  supervisor: number;
  /** Host pid of PID 1. */
  pid1: number;
  root: string;
  command: string[];
  /** Start time, milliseconds since the epoch. */
  started: number;
  network: string;
  publish: string[];
  stopTimeout: number;
}

const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;
const EWOULDBLOCK = 11;

/** The files of an entry, relative to its directory. */
export const ENTRY_FILES = {
  lock: 'lock',
  info: 'info.json',
  socket: 'console.sock',
  log: 'console.log',
} as const;

/**
 * The user's directory of running containers: $XDG_RUNTIME_DIR/contain,
 * or, without a runtime directory, /tmp/contain-UID, which must then be
 * a real directory of the user's own that nobody else may enter. Also
 * checked when only read: anyone may make /tmp/contain-UID first, and
 * fill it with entries that --stop would take for the user's own.
 */
export function registryDir(create = true): string {
  const runtime = process.env.XDG_RUNTIME_DIR;
  const uid = process.getuid!();
  const dir = runtime && runtime.startsWith('/') && ownDirectory(runtime, uid)
    ? join(runtime, 'contain') : `/tmp/contain-${uid}`;
  if (create) makePrivateDir(dir, uid);
  else checkPrivateDir(dir, uid, true);
  return dir;
}

function ownDirectory(path: string, uid: number): boolean {
  try {
    const s = files.lstat(path);
    return s.isDirectory() && s.uid === uid;
  } catch {
    return false;
  }
}

/** Makes (or checks) a 0700 directory of ours: never a link, never shared. */
function makePrivateDir(dir: string, uid: number): void {
  // Looked at first: mkdir of one that is there throws, and the error
  // costs a start more than the look.
  if (checkPrivateDir(dir, uid, true)) return;
  try {
    files.mkdir(dir, 0o700);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fromSystemError(`create ${dir}`, error);
  }
  checkPrivateDir(dir, uid);
}

/**
 * Refuses a directory that is not ours and 0700; a missing one may be fine
 * (nothing runs), and then gives false.
 */
function checkPrivateDir(dir: string, uid: number, mayBeMissing = false): boolean {
  let s;
  try {
    s = files.lstat(dir);
  } catch (error) {
    if (mayBeMissing && (error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fromSystemError(`look at ${dir}`, error);
  }
  if (!s.isDirectory() || s.uid !== uid || (s.mode & 0o077) !== 0) {
    throw new StepError(`${dir} is not a private directory of yours (mode 0700)`, 0, 'setup',
      'remove it, or set XDG_RUNTIME_DIR to a directory of your own');
  }
  return true;
}

function flock(fd: number, operation: number): number {
  return native().flock(fd, operation);
}

/** Whether a supervisor holds the entry's lock (so the container runs). */
function held(dir: string): boolean {
  let fd: number;
  try {
    fd = files.open(join(dir, ENTRY_FILES.lock), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    return flock(fd, LOCK_SH | LOCK_NB) === -EWOULDBLOCK;
  } finally {
    files.close(fd);
  }
}

function readInfo(dir: string): ContainerInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, ENTRY_FILES.info), 'utf8')) as ContainerInfo;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock of fd at once, and says whether it is still the file
 * `path` names, not one a new start put in its place meanwhile.
 */
function lockedAsNamed(fd: number, path: string): boolean {
  return flock(fd, LOCK_EX | LOCK_NB) === 0 && files.stat(path).ino === files.fstat(fd).ino;
}

/** How long a directory without its lock file yet may be a start in progress. */
const BIRTH_MS = 10_000;
/** Entries being made, before they are renamed to their names (tryReserve). */
const NEW_PREFIX = '.new-';

/**
 * Removes an entry whose container has ended: only once we hold its
 * lock, so that no supervisor can be starting in it meanwhile.
 */
function sweep(dir: string): void {
  let fd: number;
  try {
    fd = files.open(join(dir, ENTRY_FILES.lock), constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    // No lock yet: a start in progress, unless it is old.
    try {
      if (Date.now() - files.stat(dir).mtimeMs > BIRTH_MS) rmSync(dir, { recursive: true, force: true });
    } catch { /* gone */ }
    return;
  }
  try {
    if (!lockedAsNamed(fd, join(dir, ENTRY_FILES.lock))) return;
    const info = readInfo(dir);
    if (info) releaseRoot(registryDir(false), info.root, info.name);
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // Someone else swept it first.
  } finally {
    files.close(fd);
  }
}

/** The running containers of the caller, oldest first; ended ones are swept. */
export function listContainers(): ContainerInfo[] {
  const base = registryDir(false);
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const found: ContainerInfo[] = [];
  for (const name of names) {
    // One left half-made by a start that died: swept like an entry.
    if (name.startsWith(NEW_PREFIX)) sweep(join(base, name));
    if (name.startsWith('.')) continue;
    const dir = join(base, name);
    const info = held(dir) ? readInfo(dir) : undefined;
    if (info) found.push(info);
    else sweep(dir);
  }
  return found.sort((a, b) => a.started - b.started);
}

/** The running container called `name`, or undefined. */
export function findRunning(name: string): ContainerInfo | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(name)) return undefined;
  const dir = join(registryDir(false), name);
  if (!held(dir)) return undefined;
  return readInfo(dir);
}

export function entryPath(name: string, file: keyof typeof ENTRY_FILES): string {
  return join(registryDir(false), name, ENTRY_FILES[file]);
}

/**
 * A file of an entry this process reserved: in the directory checked when
 * it was made, without looking the registry up again (two lstat()s a
 * file, each start).
 */
export function entryFile(entry: Entry, file: keyof typeof ENTRY_FILES): string {
  return join(entry.dir, ENTRY_FILES[file]);
}

/** Whether the entry of `name` is still locked by its supervisor. */
export function isRunning(name: string): boolean {
  return held(join(registryDir(false), name));
}

/** A reserved entry: its directory and the locks its supervisor must keep. */
export interface Entry {
  name: string;
  dir: string;
  /** fds whose locks say the container runs: the supervisor inherits them. */
  locks: number[];
  /** Files the supervisor removes when the container ends, last the directory. */
  remove: string[];
  /** The lock of the root claimed, removed at the end only while free. */
  rootLock?: string;
}

/**
 * Reserves `name` (an explicit one), or the first free one of `base`,
 * base-2, base-3, ... (one derived from DIR). A name in use by a running
 * container is refused, naming it.
 */
export function reserveName(name: string, explicit: boolean): Entry {
  const base = registryDir();
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name.slice(0, 60)}-${n}`;
    const entry = tryReserve(base, candidate);
    if (entry) return entry;
    if (explicit) {
      const info = readInfo(join(base, candidate));
      // Without its info yet, the other container is still starting.
      throw new StepError(info
        ? `the name ${candidate} is taken by a running container (root ${info.root}, supervisor ${info.supervisor})`
        : `the name ${candidate} is taken by a container that is starting`, 0, 'usage');
    }
  }
}

/**
 * An entry is made aside (.new-PID-NAME) with its lock taken, then renamed
 * into place: an entry under its name is locked from its first moment, so
 * one whose lock is free has ended, and is swept at once, however young.
 */
function tryReserve(base: string, name: string): Entry | undefined {
  const dir = join(base, name);
  for (let attempt = 0; attempt < 5; attempt++) {
    const fresh = join(base, `${NEW_PREFIX}${process.pid}-${name}`);
    let lock: number;
    try {
      files.mkdir(fresh, 0o700);
      lock = files.open(`${fresh}/${ENTRY_FILES.lock}`, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Left by a dead start that had our pid: cleared only then, as
      // rmSync's recursion is a module Node compiles at its first use.
      if (code === 'EEXIST') {
        rmSync(fresh, { recursive: true, force: true });
        continue;
      }
      // The directory of them all was removed meanwhile (by hand, or by
      // an older contain with its last container): make it again.
      if (code !== 'ENOENT') throw fromSystemError(`create ${fresh}`, error);
      registryDir();
      continue;
    }
    // Nobody else knows this directory yet: the lock is ours at once.
    flock(lock, LOCK_EX);
    try {
      files.rename(fresh, dir);
      return { name, dir, locks: [lock], remove: [] };
    } catch (error) {
      files.close(lock);
      rmSync(fresh, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      // Swept before our lock was taken, as one a dead start left: again.
      if (code === 'ENOENT') continue;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw fromSystemError(`create ${dir}`, error);
    }
    if (held(dir)) return undefined;
    sweep(dir);
  }
  return undefined;
}

/** FNV-1a of 64 bits: node:crypto would cost every tool milliseconds to load. */
function fnv1a(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

function rootLockPath(base: string, root: string): string {
  return join(base, `.root-${fnv1a(root)}`);
}

/**
 * Claims a root directory for one container: a second container on the
 * same tree is refused while the first runs, naming it. The lock is an
 * open file whose lock dies with the supervisor, however it ends.
 */
export function claimRoot(entry: Entry, root: string): void {
  const base = registryDir();
  const path = rootLockPath(base, root);
  for (;;) {
    const fd = files.open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    if (flock(fd, LOCK_EX | LOCK_NB) !== 0) {
      let holder = '';
      try { holder = readFileSync(fd, 'utf8').trim(); } catch { /* unreadable */ }
      files.close(fd);
      // The name is written once the lock is taken: none yet, it is starting.
      throw new StepError(holder ? `${root} is the root of the running container ${holder}`
        : `${root} is the root of a container that is starting`, 0, 'usage',
        'one tree runs one container at a time; --read-only and --ephemeral containers may share it');
    }
    // Locked, but perhaps a file its last owner removed meanwhile: retry.
    let same = false;
    try { same = files.stat(path).ino === files.fstat(fd).ino; } catch { /* removed */ }
    if (!same) {
      files.close(fd);
      continue;
    }
    files.writeFile(path, `${entry.name}\n`);
    entry.locks.push(fd);
    entry.rootLock = path;
    return;
  }
}

/**
 * Removes a root's lock file if it still names `name`, and only while we
 * hold its lock: a new container may have claimed it meanwhile, and an
 * unlink would lose its claim to a third.
 */
function releaseRoot(base: string, root: string, name: string): void {
  const path = rootLockPath(base, root);
  let fd: number;
  try {
    fd = files.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return;
  }
  try {
    if (!lockedAsNamed(fd, path)) return;
    if (readFileSync(fd, 'utf8').trim() === name) rmSync(path, { force: true });
  } catch {
    // gone meanwhile
  } finally {
    files.close(fd);
  }
}

/** Writes info.json whole (a reader never sees half of it). */
export function writeInfo(entry: Entry, info: ContainerInfo): void {
  const file = entryFile(entry, 'info');
  files.writeFile(`${file}.new`, `${JSON.stringify(info)}\n`, 0o600);
  files.rename(`${file}.new`, file);
}

/** Undoes a reservation after a failed start. */
export function releaseEntry(entry: Entry): void {
  for (const path of entry.remove) rmSync(path, { force: true });
  if (entry.rootLock) rmSync(entry.rootLock, { force: true });
  rmSync(entry.dir, { recursive: true, force: true });
  for (const fd of entry.locks) {
    try { files.close(fd); } catch { /* closed */ }
  }
}
