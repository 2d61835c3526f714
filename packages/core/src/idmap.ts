import { usageError } from './errors';
import type { Range } from './subid';

/** One line of a uid_map or gid_map: container ids [inner, inner+count) are host ids [outer, outer+count). */
export interface Extent {
  inner: number;
  outer: number;
  count: number;
}

export type IdMap = Extent[];

/** The kernel accepts at most this many lines in a map. */
export const MAX_EXTENTS = 340;
/** The largest valid id: 2^32-1 is reserved as "no id". */
export const MAX_ID = 2 ** 32 - 2;

/**
 * Parses START:LOWER:COUNT[,START:LOWER:COUNT]... (container start, host
 * start, count), as given to -u and -g.
 */
export function parseMap(text: string, option: string): IdMap {
  const map: IdMap = [];
  for (const part of text.split(',')) {
    const fields = part.split(':');
    if (fields.length !== 3 || !fields.every((f) => /^\d+$/.test(f))) {
      throw usageError(`${option} ${text}: '${part}' is not START:LOWER:COUNT`);
    }
    // Refused as typed: past 2^53 a Number would round, and the message
    // would show another number than the one given.
    fields.forEach((field, i) => {
      const limit = i === 2 ? MAX_ID + 1 : MAX_ID;
      if (field.replace(/^0+(?=\d)/, '').length > 10 || Number(field) > limit) {
        throw usageError(`${option} ${text}: ${field} is more than ${i === 2 ? `the ${limit} ids there are` : `the largest id, ${limit}`}`);
      }
    });
    const [inner, outer, count] = fields.map(Number);
    map.push({ inner, outer, count });
  }
  return map;
}

export function formatExtent(e: Extent): string {
  return `${e.inner}:${e.outer}:${e.count}`;
}

function overlaps(a: Range, b: Range): boolean {
  return a.start < b.start + b.count && b.start < a.start + a.count;
}

/** Merges touching or overlapping ranges, so a map may span adjacent delegations. */
export function mergeRanges(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: Range[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.start + last.count) {
      last.count = Math.max(last.count, r.start + r.count - last.start);
    } else {
      merged.push({ ...r });
    }
  }
  return merged;
}

/**
 * Checks a map the kernel would take: sane counts, no two extents sharing
 * container or host ids, and, for an unprivileged caller, host ids only
 * from `allowed` (their own id and delegated ranges, described by `whose`).
 * Each refusal names the offending extent and why.
 */
export function validateMap(map: IdMap, option: string, allowed?: Range[],
  whose = 'your id and delegated ranges'): void {
  if (map.length === 0) throw usageError(`${option}: the map is empty`);
  if (map.length > MAX_EXTENTS) {
    throw usageError(`${option}: ${map.length} ranges, more than the kernel's ${MAX_EXTENTS}`);
  }
  const merged = allowed && mergeRanges(allowed);
  map.forEach((e, i) => {
    const name = `${option} ${formatExtent(e)}`;
    if (e.count === 0) throw usageError(`${name}: the count is zero`);
    if (e.inner + e.count - 1 > MAX_ID) throw usageError(`${name}: container ids run past ${MAX_ID}`);
    if (e.outer + e.count - 1 > MAX_ID) throw usageError(`${name}: host ids run past ${MAX_ID}`);
    for (const other of map.slice(0, i)) {
      const with_ = formatExtent(other);
      if (overlaps({ start: e.inner, count: e.count }, { start: other.inner, count: other.count })) {
        throw usageError(`${name}: container ids overlap ${with_}`);
      }
      if (overlaps({ start: e.outer, count: e.count }, { start: other.outer, count: other.count })) {
        throw usageError(`${name}: host ids overlap ${with_}`);
      }
    }
    if (merged && !merged.some((r) => e.outer >= r.start && e.outer + e.count <= r.start + r.count)) {
      const ids = describeRanges([{ start: e.outer, count: e.count }]);
      throw usageError(`${name}: host id${e.count === 1 ? ' ' : 's '}${ids} ${e.count === 1 ? 'is' : 'are'} not yours `
        + `(${whose}: ${describeRanges(merged)})`);
    }
  });
  // The command runs as container root, which the kernel cannot become unmapped.
  if (!map.some((e) => e.inner === 0)) {
    throw usageError(`${option} ${map.map(formatExtent).join(',')}: container id 0 is not mapped, and the command runs as root`);
  }
}

export function describeRanges(ranges: Range[]): string {
  return ranges.map((r) => (r.count === 1 ? `${r.start}` : `${r.start}-${r.start + r.count - 1}`)).join(', ');
}

/**
 * The default map of an unprivileged caller: container 0 is their own id,
 * then container 1, 2, ... are their delegated ranges, in file order.
 */
export function defaultMap(own: number, delegated: Range[]): IdMap {
  const map: IdMap = [{ inner: 0, outer: own, count: 1 }];
  let next = 1;
  for (const r of withoutId(delegated, own)) {
    if (map.length === MAX_EXTENTS || next > MAX_ID) break;
    const count = Math.min(r.count, MAX_ID - next + 1);
    map.push({ inner: next, outer: r.start, count });
    next += count;
  }
  return map;
}

/** Delegated ranges less the caller's own id and any host id seen before. */
function withoutId(ranges: Range[], own: number): Range[] {
  const taken: Range[] = [{ start: own, count: 1 }];
  const result: Range[] = [];
  for (const r of ranges) {
    let pieces: Range[] = [r];
    for (const t of taken) pieces = pieces.flatMap((p) => subtract(p, t));
    result.push(...pieces);
    taken.push(r);
  }
  return result;
}

function subtract(r: Range, t: Range): Range[] {
  if (!overlaps(r, t)) return [r];
  const out: Range[] = [];
  if (r.start < t.start) out.push({ start: r.start, count: t.start - r.start });
  const end = r.start + r.count, tEnd = t.start + t.count;
  if (end > tEnd) out.push({ start: tEnd, count: end - tEnd });
  return out;
}

/** Every id of the initial user namespace: 0 to MAX_ID. */
export const ALL_IDS: Range[] = [{ start: 0, count: MAX_ID + 1 }];

/**
 * The default map when root runs a tool: container root is never host
 * root. Container 0 is the highest id that exists where the tool runs,
 * and every other id but 0 maps onto itself, so files keep the same
 * owners on both sides but for root. `available` is the ids mapped in
 * the tool's own user namespace: all of them on the host, fewer when
 * root of a container runs the tool.
 */
export function rootDefaultMap(available: Range[] = ALL_IDS): IdMap {
  const ids = mergeRanges(available)
    .map((r) => ({ start: r.start, count: Math.min(r.count, MAX_ID + 1 - r.start) }))
    .filter((r) => r.count > 0);
  if (ids.length === 0) throw usageError('no id is mapped in this user namespace');
  const last = ids[ids.length - 1];
  const top = last.start + last.count - 1;
  const map: IdMap = [{ inner: 0, outer: top, count: 1 }];
  const others = ids.flatMap((r) => subtract(r, { start: 0, count: 1 }))
    .flatMap((r) => subtract(r, { start: top, count: 1 }));
  for (const r of others.slice(0, MAX_EXTENTS - 1)) map.push({ inner: r.start, outer: r.start, count: r.count });
  return map;
}

/** Whether a map is the single line the kernel lets anyone write for themselves. */
export function isSelfMap(map: IdMap, own: number): boolean {
  return map.length === 1 && map[0].outer === own && map[0].count === 1;
}
