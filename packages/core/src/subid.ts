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
