/**
 * The mounts a container asks for (--bind, --ro-bind, --tmpfs and their
 * ini keys), checked and made into what native/binds.c carries out: each
 * source found on the host and made absolute, each target an absolute
 * path in the container, tmpfs options split as mount(8) splits them. A
 * complaint is one line naming the option (or FILE:LINE: key) as given.
 */
import { readFileSync } from 'node:fs';
import { dirname, posix, resolve } from 'node:path';
import {
  MOUNT_BIND, MOUNT_DIR, MOUNT_ON_LINK, MOUNT_RO_BIND, MOUNT_TMPFS, MountConfig, StepError, errnoMessage, files,
  usageError,
} from '@rootless-containers/core';
import type { Report } from '@rootless-containers/core';
import { MountRequest } from './settings';

/** What native/mounts.h takes at most. */
export const MAX_MOUNTS = 64;
/** The most mount points native/mountpoint.c creates (and can undo) in all. */
const MAX_CREATED = 512;

/** A mount for the native side, with how it was asked for, for messages. */
export interface MountPlan extends MountConfig {
  /** `--bind`, `FILE:LINE: bind`, or what asked for an internal mount. */
  label: string;
  /** The value as given, e.g. `data:/srv/data`. */
  value: string;
}

// MOUNT_ATTR_* of <linux/mount.h>.
const RDONLY = 0x1, NOSUID = 0x2, NODEV = 0x4, NOEXEC = 0x8, ATIME = 0x70, NOATIME = 0x10, STRICTATIME = 0x20;
const NODIRATIME = 0x80;

/** mount(8)'s generic options: the attributes they set, and those they clear. */
const GENERIC: Record<string, [set: number, clear: number]> = {
  ro: [RDONLY, 0], rw: [0, RDONLY],
  nosuid: [NOSUID, 0], suid: [0, NOSUID],
  nodev: [NODEV, 0], dev: [0, NODEV],
  noexec: [NOEXEC, 0], exec: [0, NOEXEC],
  noatime: [NOATIME, ATIME], atime: [0, ATIME], relatime: [0, ATIME], strictatime: [STRICTATIME, ATIME],
  nodiratime: [NODIRATIME, 0], diratime: [0, NODIRATIME],
  defaults: [0, RDONLY | NOSUID | NODEV | NOEXEC],
};

/** tmpfs's own options (tmpfs(5)) and the superblock flags the kernel takes as options. */
const TMPFS_VALUES: Record<string, RegExp> = {
  size: /^\d+[kmgtpe%]?$/i,
  nr_blocks: /^\d+[kmgtpe]?$/i,
  nr_inodes: /^\d+[kmgtpe]?$/i,
  mode: /^[0-7]{1,4}$/,
  uid: /^\d+$/,
  gid: /^\d+$/,
  huge: /^(never|always|within_size|advise|deny|force)$/,
  mpol: /./,
  usrquota_block_hardlimit: /^\d+[kmgtpe]?$/i,
  usrquota_inode_hardlimit: /^\d+[kmgtpe]?$/i,
  grpquota_block_hardlimit: /^\d+[kmgtpe]?$/i,
  grpquota_inode_hardlimit: /^\d+[kmgtpe]?$/i,
};
const TMPFS_FLAGS = new Set(['inode32', 'inode64', 'noswap', 'quota', 'usrquota', 'grpquota', 'sync', 'async',
  'dirsync', 'lazytime', 'nolazytime', 'mand', 'nomand']);

/** Where contain mounts its own file systems: nothing may hide them. */
const OWN = ['/dev', '/proc', '/sys'];

function where(request: MountRequest): string {
  return `${request.label} ${request.value}`;
}

/** An absolute target in the container, as plain as it can be written. */
function target(request: MountRequest, given: string): string {
  const at = where(request);
  if (given === '') throw usageError(`${at}: DST is empty`);
  if (!given.startsWith('/')) throw usageError(`${at}: DST ${given} is not an absolute path`);
  if (given.split('/').includes('..')) throw usageError(`${at}: DST ${given} has a '..' in it`);
  const path = posix.normalize(given).replace(/(.)\/+$/, '$1');
  if (path === '/') throw usageError(`${at}: DST / is the root itself (see --read-only and --ephemeral)`);
  for (const own of OWN) {
    if (path === own || (own !== '/dev' && path.startsWith(`${own}/`))) {
      throw usageError(`${at}: DST ${path} would hide or go into the container's own ${own}, which contain mounts there`);
    }
  }
  return path;
}

/** The source on the host: found, absolute, without links (a view's file is its own name). */
function source(request: MountRequest, given: string): { path: string; real: string; dir: boolean } {
  const at = where(request);
  if (given === '') throw usageError(`${at}: SRC is empty`);
  const path = resolve(given);
  try {
    const real = files.realpath(path);
    return { path, real, dir: files.stat(real).isDirectory() };
  } catch (error) {
    const errno = Math.abs((error as NodeJS.ErrnoException).errno ?? 0);
    throw usageError(`${at}: SRC ${path}: ${errno ? errnoMessage(errno).toLowerCase() : 'not found'}`);
  }
}

/** SRC[:DST]: the first colon ends SRC. */
function bind(request: MountRequest): MountPlan {
  const colon = request.value.indexOf(':');
  const from = source(request, colon < 0 ? request.value : request.value.slice(0, colon));
  const to = target(request, colon < 0 ? from.path : request.value.slice(colon + 1));
  return {
    kind: request.kind === 'bind' ? MOUNT_BIND : MOUNT_RO_BIND,
    flags: from.dir ? MOUNT_DIR : 0,
    attrs: 0,
    source: from.real,
    target: to,
    options: null,
    label: request.label,
    value: request.value,
  };
}

/** DST[:OPTIONS]: mount(8)'s generic options become attributes, the rest tmpfs's data. */
function tmpfs(request: MountRequest): MountPlan {
  const colon = request.value.indexOf(':');
  const to = target(request, colon < 0 ? request.value : request.value.slice(0, colon));
  let attrs = NOSUID | NODEV;
  const data: string[] = [];
  for (const option of colon < 0 ? [] : request.value.slice(colon + 1).split(',')) {
    if (option === '') continue;
    const [key, value] = option.includes('=') ? [option.slice(0, option.indexOf('=')), option.slice(option.indexOf('=') + 1)]
      : [option, undefined];
    if (value === undefined && GENERIC[key]) {
      attrs = (attrs & ~GENERIC[key][1]) | GENERIC[key][0];
    } else if (value === undefined ? TMPFS_FLAGS.has(key) : TMPFS_VALUES[key]?.test(value)) {
      data.push(option);
    } else if (TMPFS_VALUES[key] && value !== undefined) {
      throw usageError(`${where(request)}: ${option}: not a valid value for ${key} (see tmpfs(5))`);
    } else {
      throw usageError(`${where(request)}: ${option} is not a tmpfs option (see mount(8) and tmpfs(5): size=, mode=, `
        + 'nr_inodes=, ro, noexec, ...)');
    }
  }
  // A new directory's mode, not tmpfs's own 1777 that suits only /tmp.
  if (!data.some((o) => o.startsWith('mode='))) data.push('mode=0755');
  return {
    kind: MOUNT_TMPFS, flags: MOUNT_DIR, attrs, source: null, target: to, options: [...data, null],
    label: request.label, value: request.value,
  };
}

/**
 * The mounts asked for, checked, in the order given. `own` mounts of
 * contain's come with them (a network's resolv.conf), named by `ownLabel`.
 */
export function planMounts(requests: MountRequest[], own = 0, ownLabel = ''): MountPlan[] {
  if (requests.length + own > MAX_MOUNTS) {
    const beside = own > 0 ? ` with ${ownLabel}, which needs ${own} of its own` : '';
    throw usageError(`${requests.length} mounts asked for: at most ${MAX_MOUNTS - own}${beside}`);
  }
  return requests.map((r) => (r.kind === 'tmpfs' ? tmpfs(r) : bind(r)));
}

/**
 * A host file shown at `path` in the container, for mounts contain makes
 * itself (such as a generated /etc/resolv.conf): a link there in DIR is
 * covered, not followed, and a missing file is created as the mount
 * point; DIR's own file or link is never changed. Read-only unless
 * `writable`.
 */
export function fileMount(file: string, path: string, label: string, writable = false): MountPlan {
  return {
    kind: writable ? MOUNT_BIND : MOUNT_RO_BIND, flags: MOUNT_ON_LINK, attrs: 0,
    source: files.realpath(file), target: path, options: null, label, value: path,
  };
}

const EPERM = 1, EACCES = 13, ENODEV = 19, ENOTDIR = 20, EINVAL = 22, EROFS = 30, ENOSYS = 38,
  ELOOP = 40;

/**
 * Why a directory with a mount in it is no overlay's layer: the host's
 * mounts are locked in a user namespace, and the kernel makes no copy
 * that would leave one out, uncovering what it hides.
 */
const LOCKED_HINT = 'the kernel lets a user namespace make no layer without the mounts in it: unmount it, '
  + 'or use --bind, which shows them';

/** The first mount point below `dir` (not dir itself) in our mount table, if any. */
function mountBelow(dir: string): string | undefined {
  let real: string;
  try {
    real = files.realpath(dir);
  } catch {
    return undefined;
  }
  const prefix = real === '/' ? '/' : `${real}/`;
  const unescape = (field: string) =>
    field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4];
    if (point !== undefined && unescape(point).startsWith(prefix)) return unescape(point);
  }
  return undefined;
}

/** What to do about an overlay the kernel refuses. */
function overlayHint(errno: number): string | undefined {
  if (errno === EPERM) return 'overlayfs is not allowed in a user namespace on this kernel: it needs Linux 5.11 or later';
  if (errno === ENODEV) return 'this kernel has no overlayfs: load it as root with modprobe overlay';
  if (errno === EINVAL) return 'overlayfs does not take this directory\'s file system as a layer';
  if (errno === ENOSYS) return 'the new mount API needs Linux 5.2 or later';
  return undefined;
}

/** What to do about a mount point contain could not create. */
function createHint(errno: number, rootMode: string): string | undefined {
  if (errno === EROFS) return 'a mount point in a read-only mount must exist in its source';
  if (errno === EACCES || errno === EPERM) {
    return rootMode === 'DIR' ? 'create it in DIR, or use --read-only or --ephemeral, which create nothing in DIR' : undefined;
  }
  return undefined;
}

/**
 * The message for a failed step of the file system's making (the child's
 * report): the mount it was for, by the option or key that asked for it,
 * and what to do. undefined for steps of other kinds.
 */
export function explainMountReport(report: Report, plans: MountPlan[], root: { where: string; mode: string }):
  StepError | undefined {
  const { step, path, error } = report;
  const setup = (what: string, hint?: string) => new StepError(what, error, 'setup', hint);
  if (report.status > 0 && report.status <= plans.length) {
    const plan = plans[report.status - 1];
    const at = `${plan.label} ${plan.value}`;
    if (step === 'set the tmpfs option') return setup(`${at}: the kernel refuses tmpfs option ${path}`);
    if (step.startsWith('follow a link')) {
      return new StepError(`${at}: ${path} leads through a symbolic link to nothing in the root; `
        + 'contain creates nothing through a link', 0, 'setup');
    }
    if (step.startsWith('lead to contain\'s own mounts')) {
      return usageError(`${at}: DST ${path} leads, through a link or a mount, to the root itself, to /dev, or into /proc `
        + 'or /sys, where contain\'s own mounts are');
    }
    if (step === 'mount a read-only overlay of') {
      const dir = plan.flags & MOUNT_DIR ? path : dirname(path);
      const below = error === EINVAL ? mountBelow(dir) : undefined;
      if (below) return setup(`${at}: cannot make a read-only view of ${dir}: ${below} is mounted in it`, LOCKED_HINT);
      return setup(`${at}: cannot make a read-only view of ${path}`, overlayHint(error));
    }
    if (step === 'create the mount point') return setup(`${at}: cannot create the mount point ${path}`, createHint(error, root.mode));
    if (step.startsWith('create more mount points')) {
      return setup(`${at}: cannot create the mount point ${path}: contain creates at most ${MAX_CREATED} in all`);
    }
    if (step === 'mount a directory on a file at') {
      return new StepError(`${at}: cannot mount a directory on ${path}, which is not a directory`, 0, 'setup');
    }
    if (step === 'mount a file on a directory at') {
      return new StepError(`${at}: cannot mount a file on ${path}, which is a directory`, 0, 'setup');
    }
    return setup(`${at}: ${step} ${path}`);
  }
  if (OWN.includes(path) || path === '/sys/fs/cgroup') {
    const link = step === 'find the mount point' && error === ELOOP;
    if (link || step === 'mount a directory on a file at' || (step === 'find the mount point' && error === ENOTDIR)) {
      const kind = link ? 'a symbolic link' : 'not a directory';
      return new StepError(`${root.where}: ${path} is ${kind}; contain mounts there, so it must be a directory of the `
        + 'root\'s own', 0, 'usage');
    }
    if (step === 'create the mount point') return setup(`create the mount point ${path}`, createHint(error, root.mode));
    if (step.startsWith('mount') && error === EPERM && (path === '/proc' || path === '/sys')) {
      return setup(`${step} ${path}`, `in a user namespace, the kernel mounts a new ${path.slice(1)} only while no mount `
        + `covers a part of the host's ${path}`);
    }
  }
  if (step === 'mount an overlay of the root') {
    const below = error === EINVAL ? mountBelow(path) : undefined;
    if (below) return setup(`${root.mode}: cannot mount an overlay of ${path}: ${below} is mounted in it`, LOCKED_HINT);
    return setup(`${root.mode}: cannot mount an overlay of ${path}`, overlayHint(error));
  }
  return undefined;
}
