// Unit tests of /etc/subuid and /etc/subgid parsing (packages/core/src/subid.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { parseSubids, readSubids } = require('../packages/core/dist/subid.js');

test('parseSubids finds the ranges of a user by name', () => {
  const text = 'alice:100000:65536\nbob:165536:65536\n';
  assert.deepEqual(parseSubids(text, 'alice', 1000), [{ start: 100000, count: 65536 }]);
  assert.deepEqual(parseSubids(text, 'bob', 1001), [{ start: 165536, count: 65536 }]);
  assert.deepEqual(parseSubids(text, 'carol', 1002), []);
});

test('parseSubids finds the ranges of a user by numeric id', () => {
  const text = '1000:100000:65536\n1001:165536:65536\n';
  assert.deepEqual(parseSubids(text, 'alice', 1000), [{ start: 100000, count: 65536 }]);
  assert.deepEqual(parseSubids(text, 'bob', 1001), [{ start: 165536, count: 65536 }]);
  // A name that looks like someone else's number is not theirs.
  assert.deepEqual(parseSubids('1001:5:5\n', '1000', 1000), []);
});

test('parseSubids keeps file order and mixes names and ids', () => {
  const text = [
    'alice:300000:10',
    'bob:400000:10',
    '1000:200000:5',
    'alice:100000:7',
  ].join('\n');
  assert.deepEqual(parseSubids(text, 'alice', 1000), [
    { start: 300000, count: 10 },
    { start: 200000, count: 5 },
    { start: 100000, count: 7 },
  ]);
});

test('parseSubids passes over comments, blank and malformed lines', () => {
  const text = [
    '# alice:1:1',
    '',
    '   ',
    '\talice:100000:10  ',
    'alice:200000',
    'alice:200000:10:5',
    'alice:abc:10',
    'alice:300000:-1',
    'alice::10',
    'alice:300000:1e3',
    ' # indented comment',
    'alice:400000:3',
    'alicex:500000:3',
    'xalice:600000:3',
    ':700000:3',
  ].join('\n');
  assert.deepEqual(parseSubids(text, 'alice', 1000), [
    { start: 100000, count: 10 },
    { start: 400000, count: 3 },
  ]);
});

test('parseSubids drops zero counts and ranges past the highest id', () => {
  const text = 'alice:100000:0\nalice:4294967295:1\nalice:4294967290:10\nalice:4294967290:5\n';
  assert.deepEqual(parseSubids(text, 'alice', 1000), [{ start: 4294967290, count: 5 }]);
});

test('parseSubids takes Windows line ends', () => {
  assert.deepEqual(parseSubids('alice:100000:10\r\nalice:200000:5\r\n', 'alice', 1000), [
    { start: 100000, count: 10 },
    { start: 200000, count: 5 },
  ]);
});

test('readSubids reads a file, and a missing file delegates nothing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rc-subid-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'subuid'), 'alice:100000:65536\n');
  assert.deepEqual(readSubids(join(dir, 'subuid'), 'alice', 1000), [{ start: 100000, count: 65536 }]);
  assert.deepEqual(readSubids(join(dir, 'missing'), 'alice', 1000), []);
});
