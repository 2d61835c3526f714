import { constants, readFileSync } from 'node:fs';
import { StepError, fromSystemError, usageError } from './errors';
import * as files from './files';
import {
  ALL_IDS, IdMap, defaultMap, formatExtent, isSelfMap, parseMap, rootDefaultMap, validateMap,
} from './idmap';
import { native } from './native';
import { callerAccount } from './passwd';
import { Range, SUBGID, SUBUID, allSubids, freeRange, readSubids } from './subid';
import { reap, shellStatus } from './wait';

/** The uid and gid maps of a new user namespace, and how to write them. */
export interface MapPlan {
  uid: IdMap;
  gid: IdMap;
  /** Write with newuidmap/newgidmap (false: write /proc/PID/*_map directly). */
  uidHelper: string | null;
  gidHelper: string | null;
  /** Why only root is mapped, and what to do about it, for main to print. */
  notice?: string;
}

export interface MapOptions {
  uidMap?: string;
  gidMap?: string;
  /** How each map was given, for messages: -u, --uid-map, FILE:LINE: uid-map. */
  uidLabel?: string;
  gidLabel?: string;
}

const HELPER_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** Finds a setuid helper such as newuidmap in PATH or the usual places. */
export function findHelper(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of [...path.split(':').filter(Boolean), ...HELPER_DIRS]) {
    if (files.canAccess(`${dir}/${name}`, constants.X_OK)) return `${dir}/${name}`;
  }
  return null;
}

/**
 * The ids that exist in our own user namespace, from /proc/self/uid_map
 * (or gid_map): every id on the host, fewer inside a container.
 */
export function ownIds(file: 'uid_map' | 'gid_map'): Range[] {
  let text: string;
  try {
    text = readFileSync(`/proc/self/${file}`, 'utf8');
  } catch {
    return ALL_IDS;
  }
  return text.split('\n').map((line) => line.trim().split(/\s+/).map(Number))
    .filter((f) => f.length === 3 && f.every(Number.isInteger))
    .map(([inner, , count]) => ({ start: inner, count }));
}

/**
 * Decides the maps for the caller. Root gets rootDefaultMap() of the ids
 * its own namespace has, unless told otherwise, and writes any map
 * itself. Anyone else gets their own id as container root and their
 * delegated ranges above it, through the setuid helpers; without a helper
 * or a delegation, the single self mapping.
 */
export function planMaps(options: MapOptions): MapPlan {
  const uid = process.getuid!(), gid = process.getgid!();
  if (uid === 0) {
    const pick = (text: string | undefined, option: string, file: 'uid_map' | 'gid_map') => {
      const available = ownIds(file);
      const map = text === undefined ? rootDefaultMap(available) : parseMap(text, option);
      validateMap(map, option, available, 'ids mapped in this user namespace');
      return map;
    };
    return {
      uid: pick(options.uidMap, options.uidLabel ?? '-u', 'uid_map'),
      gid: pick(options.gidMap, options.gidLabel ?? '-g', 'gid_map'),
      uidHelper: null,
      gidHelper: null,
    };
  }
  const user = callerAccount().name;
  const side = (own: number, file: string, text: string | undefined, option: string, helperName: string) => {
    const delegated = readSubids(file, user, own);
    const helper = findHelper(helperName);
    const allowed: Range[] = [{ start: own, count: 1 }, ...delegated];
    let map: IdMap;
    if (text !== undefined) {
      map = parseMap(text, option);
      validateMap(map, option, allowed);
      if (!isSelfMap(map, own) && !helper) {
        throw usageError(`${option} ${text}: mapping ids other than your own needs ${helperName}`
          + ' (install the uidmap package)');
      }
    } else {
      map = helper ? defaultMap(own, delegated) : defaultMap(own, []);
    }
    const single = isSelfMap(map, own);
    return { map, helper: single ? null : helper, single, missing: delegated.length === 0, installed: helper !== null };
  };
  const u = side(uid, SUBUID, options.uidMap, options.uidLabel ?? '-u', 'newuidmap');
  const g = side(gid, SUBGID, options.gidMap, options.gidLabel ?? '-g', 'newgidmap');
  return {
    uid: u.map, gid: g.map, uidHelper: u.helper, gidHelper: g.helper,
    // Not when a map is given: its caller chose what to map.
    notice: options.uidMap !== undefined || options.gidMap !== undefined ? undefined
      : singleNotice(user, { ...u, name: 'uid', file: SUBUID, helperName: 'newuidmap' },
        { ...g, name: 'gid', file: SUBGID, helperName: 'newgidmap' }),
  };
}

interface Side {
  name: 'uid' | 'gid';
  file: string;
  helperName: string;
  /** Only the caller's own id is mapped. */
  single: boolean;
  /** No range for the caller in the file. */
  missing: boolean;
  /** The helper (newuidmap, newgidmap) was found. */
  installed: boolean;
}

/**
 * One line when the default maps hold only root: which side, why (no
 * range, no helper), and the command that fixes it, with a free range.
 */
function singleNotice(user: string, ...sides: Side[]): string | undefined {
  const single = sides.filter((s) => s.single);
  if (single.length === 0) return undefined;
  const what = single.length === 2 ? 'only root is mapped' : `only root's ${single[0].name} is mapped`;
  const join = (words: string[]) => words.join(' and ');
  const why: string[] = [], fix: string[] = [];
  const noHelper = single.filter((s) => !s.installed);
  if (noHelper.length > 0) {
    why.push(`${join(noHelper.map((s) => s.helperName))} ${noHelper.length > 1 ? 'are' : 'is'} not installed`);
    fix.push('install the uidmap package');
  }
  const noRange = single.filter((s) => s.missing);
  if (noRange.length > 0) {
    const ids = noRange.length > 1 ? 'ids' : `${noRange[0].name}s`;
    why.push(`${user} has no subordinate ${ids} in ${join(noRange.map((s) => s.file))}`);
    const free = freeRange([...allSubids(SUBUID), ...allSubids(SUBGID)]);
    if (free) {
      const range = `${free.start}-${free.start + free.count - 1}`;
      const flags = noRange.map((s) => `--add-sub${s.name}s ${range}`).join(' ');
      fix.push(`add a range with: sudo usermod ${flags} ${user}`);
    }
  }
  if (why.length === 0) return undefined;
  return `${what}: ${join(why)}${fix.length > 0 ? `; ${fix.join(', then ')}` : ''}`;
}

/**
 * Whether the namespace may call setgroups(): not when an unprivileged
 * caller wrote its gid_map directly, which requires setgroups "deny", nor
 * when our own namespace denies it (a new namespace inherits "deny").
 */
export function setgroupsAllowed(plan: MapPlan): boolean {
  let own = 'allow';
  try { own = readFileSync('/proc/self/setgroups', 'utf8').trim(); } catch { /* kernels before 3.19 */ }
  if (own === 'deny') return false;
  return process.getuid!() === 0 || plan.gidHelper !== null;
}

interface RunningHelper {
  pid: number;
  output: number;
  helper: string;
  map: IdMap;
}

/** Starts newuidmap/newgidmap; both run at once, then finishHelper() waits. */
function startHelper(helper: string, pid: number, map: IdMap): RunningHelper {
  const argv = [helper, String(pid), ...map.flatMap((e) => [e.inner, e.outer, e.count].map(String)), null];
  const output = new Int32Array(1);
  const started = native().runHelper(helper, argv, output);
  if (started < 0) throw new StepError(`run ${helper}`, -started);
  return { pid: started, output: output[0], helper, map };
}

function finishHelper(running: RunningHelper): StepError | undefined {
  const said = readAll(running.output);
  const ending = reap(running.pid);
  if (ending?.code === 0) return undefined;
  const why = said.trim().split('\n')[0].replace(/^[^:]*: /, '') || `status ${ending && shellStatus(ending)}`;
  return new StepError(`${running.helper} ${running.map.map(formatExtent).join(',')} failed: ${why}`,
    0, 'setup', 'check /etc/subuid and /etc/subgid, and that the helper is setuid root');
}

function readAll(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = new Uint8Array(4096);
  try {
    for (let n; (n = files.read(fd, buffer)) > 0;) chunks.push(Buffer.from(buffer.subarray(0, n)));
  } finally {
    files.close(fd);
  }
  // A helper that worked said nothing: no Buffer function runs for it.
  return chunks.length === 0 ? '' : Buffer.concat(chunks).toString();
}

function writeProc(pid: number, file: string, text: string): void {
  try {
    // One write(2): a map is taken whole or not at all.
    files.writeFile(`/proc/${pid}/${file}`, text);
  } catch (error) {
    throw fromSystemError(`write /proc/${pid}/${file}`, error);
  }
}

function lines(map: IdMap): string {
  return map.map((e) => `${e.inner} ${e.outer} ${e.count}\n`).join('');
}

/** Writes both maps of the child's new user namespace. */
export function writeMaps(pid: number, plan: MapPlan): void {
  const running: RunningHelper[] = [];
  try {
    if (plan.uidHelper) running.push(startHelper(plan.uidHelper, pid, plan.uid));
    else writeProc(pid, 'uid_map', lines(plan.uid));
    if (plan.gidHelper) {
      running.push(startHelper(plan.gidHelper, pid, plan.gid));
    } else {
      // Unprivileged, the kernel takes a gid_map only once setgroups is denied.
      if (process.getuid!() !== 0) writeProc(pid, 'setgroups', 'deny');
      writeProc(pid, 'gid_map', lines(plan.gid));
    }
  } finally {
    // Reap whatever was started, even when a later step threw.
    const failures = running.map(finishHelper).filter(Boolean);
    if (failures.length > 0) throw failures[0];
  }
}
