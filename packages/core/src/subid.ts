import { readFileSync } from 'node:fs';

/** A range of host ids: [start, start + count). */
export interface Range {
  start: number;
  count: number;
}

export const SUBUID = '/etc/subuid';
export const SUBGID = '/etc/subgid';

const MAX_ID = 2 ** 32 - 1;

/**
 * The ranges delegated to a user in /etc/subuid or /etc/subgid text, in
 * file order. Lines are NAME_OR_ID:START:COUNT; a line naming the user or
 * their numeric id counts, comments and malformed lines are passed over,
 * as newuidmap does.
 */
export function parseSubids(text: string, user: string, id: number): Range[] {
  const ranges: Range[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length !== 3) continue;
    const [owner, start, count] = fields;
    if (owner !== user && owner !== String(id)) continue;
    if (!/^\d+$/.test(start) || !/^\d+$/.test(count)) continue;
    const range = { start: Number(start), count: Number(count) };
    if (range.count === 0 || range.start + range.count - 1 > MAX_ID - 1) continue;
    ranges.push(range);
  }
  return ranges;
}

/** Reads a subordinate id file; a missing file delegates nothing. */
export function readSubids(file: string, user: string, id: number): Range[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return parseSubids(text, user, id);
}

/** Every range a subordinate id file delegates, to anyone. */
export function allSubids(file: string): Range[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((line) => line.trim().split(':'))
    .filter((f) => f.length === 3 && /^\d+$/.test(f[1]) && /^\d+$/.test(f[2]))
    .map(([, start, count]) => ({ start: Number(start), count: Number(count) }));
}

/** What useradd gives: 65536 ids, from 100000 on. */
const RANGE_COUNT = 65536;
const RANGE_BASE = 100000;

/**
 * A range of 65536 ids at 100000 + N * 65536 that no one has in either
 * file yet, to suggest to a user who has none.
 */
export function freeRange(taken: Range[]): Range | undefined {
  for (let start = RANGE_BASE; start + RANGE_COUNT - 1 <= MAX_ID - 1; start += RANGE_COUNT) {
    const clash = taken.some((r) => r.start < start + RANGE_COUNT && start < r.start + r.count);
    if (!clash) return { start, count: RANGE_COUNT };
  }
  return undefined;
}
