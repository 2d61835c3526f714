// Unit tests of id map parsing, validation and the default maps
// (packages/core/src/idmap.ts), on the built core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const {
  parseMap, validateMap, defaultMap, mergeRanges, rootDefaultMap, MAX_ID, MAX_EXTENTS,
} = require('../packages/core/dist/idmap.js');
const { StepError } = require('../packages/core/dist/errors.js');

/** Asserts that `fn` throws a usage error whose message matches `pattern`. */
function refuses(fn, pattern) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof StepError, `not a StepError: ${error}`);
    assert.equal(error.reason, 'usage');
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });
}

test('parseMap reads START:LOWER:COUNT lists in order', () => {
  assert.deepEqual(parseMap('0:1000:1', '-u'), [{ inner: 0, outer: 1000, count: 1 }]);
  assert.deepEqual(parseMap('0:1000:1,1:100000:65536', '-u'), [
    { inner: 0, outer: 1000, count: 1 },
    { inner: 1, outer: 100000, count: 65536 },
  ]);
  assert.deepEqual(parseMap('5:7:9,0:1:2', '-g'), [
    { inner: 5, outer: 7, count: 9 },
    { inner: 0, outer: 1, count: 2 },
  ]);
});

test('parseMap refuses malformed maps naming the bad part', () => {
  for (const [text, part] of [
    ['0:1000', '0:1000'],
    ['0:1000:1:2', '0:1000:1:2'],
    ['0:1000:1,', ''],
    [',0:1000:1', ''],
    ['0:abc:1', '0:abc:1'],
    ['0:-5:1', '0:-5:1'],
    ['0:1.5:1', '0:1.5:1'],
    ['0 1000 1', '0 1000 1'],
    ['0:1000:1;1:2:3', '0:1000:1;1:2:3'],
  ]) {
    refuses(() => parseMap(text, '-u'), new RegExp(`^-u ${escape(text)}: '${escape(part)}' is not START:LOWER:COUNT$`));
  }
});

test('validateMap accepts disjoint maps inside the allowed ranges', () => {
  const allowed = [{ start: 1000, count: 1 }, { start: 100000, count: 65536 }];
  validateMap(parseMap('0:1000:1,1:100000:65536', '-u'), '-u', allowed);
  validateMap(parseMap('0:100005:1,1:1000:1', '-u'), '-u', allowed);
  // Without `allowed` (root), any host ids.
  validateMap(parseMap('0:4294967294:1,1:1:4294967293', '-u'), '-u');
});

test('validateMap refuses overlapping container ids, naming both ranges', () => {
  refuses(() => validateMap(parseMap('0:1000:1,0:100000:5', '-u'), '-u'),
    /^-u 0:100000:5: container ids overlap 0:1000:1$/);
  refuses(() => validateMap(parseMap('0:100000:10,9:200000:1', '-g'), '-g'),
    /^-g 9:200000:1: container ids overlap 0:100000:10$/);
});

test('validateMap refuses overlapping host ids, naming both ranges', () => {
  refuses(() => validateMap(parseMap('0:1000:1,1:1000:5', '-u'), '-u'),
    /^-u 1:1000:5: host ids overlap 0:1000:1$/);
  refuses(() => validateMap(parseMap('0:100000:10,20:100009:2', '-u'), '-u'),
    /^-u 20:100009:2: host ids overlap 0:100000:10$/);
});

test('validateMap refuses host ids outside the allowed ranges', () => {
  const allowed = [{ start: 1000, count: 1 }, { start: 100000, count: 65536 }];
  refuses(() => validateMap(parseMap('0:1000:1,1:200000:5', '-u'), '-u', allowed),
    /^-u 1:200000:5: host ids 200000-200004 are not yours \(your id and delegated ranges: 1000, 100000-165535\)$/);
  // One past the end of the delegation.
  refuses(() => validateMap(parseMap('1:100000:65537', '-u'), '-u', allowed), /^-u 1:100000:65537: host ids 100000-165536 are not yours/);
  refuses(() => validateMap(parseMap('0:1001:1', '-u'), '-u', allowed), /^-u 0:1001:1: host id 1001 is not yours/);
  refuses(() => validateMap(parseMap('0:0:1', '-u'), '-u', allowed, 'ids mapped here'),
    /^-u 0:0:1: host id 0 is not yours \(ids mapped here: 1000, 100000-165535\)$/);
});

test('validateMap lets a map span adjacent delegated ranges', () => {
  const allowed = [{ start: 100000, count: 10 }, { start: 100010, count: 10 }];
  validateMap(parseMap('0:100000:20', '-u'), '-u', allowed);
  refuses(() => validateMap(parseMap('0:100000:21', '-u'), '-u', allowed), /not yours/);
});

test('validateMap refuses zero counts, empty maps, too many ranges and ids past the top', () => {
  refuses(() => validateMap(parseMap('0:1000:0', '-u'), '-u'), /^-u 0:1000:0: the count is zero$/);
  refuses(() => validateMap([], '-g'), /^-g: the map is empty$/);
  const many = Array.from({ length: MAX_EXTENTS + 1 }, (_, i) => `${i}:${i}:1`).join(',');
  refuses(() => validateMap(parseMap(many, '-u'), '-u'), new RegExp(`^-u: ${MAX_EXTENTS + 1} ranges, more than the kernel's ${MAX_EXTENTS}$`));
  refuses(() => validateMap(parseMap(`${MAX_ID}:0:2`, '-u'), '-u'), /container ids run past 4294967294/);
  refuses(() => validateMap(parseMap(`0:${MAX_ID}:2`, '-u'), '-u'), /host ids run past 4294967294/);
});

test('mergeRanges joins overlapping and touching ranges, keeps gaps', () => {
  assert.deepEqual(mergeRanges([]), []);
  assert.deepEqual(mergeRanges([{ start: 10, count: 5 }, { start: 0, count: 5 }]),
    [{ start: 0, count: 5 }, { start: 10, count: 5 }]);
  assert.deepEqual(mergeRanges([{ start: 0, count: 5 }, { start: 5, count: 5 }]), [{ start: 0, count: 10 }]);
  assert.deepEqual(mergeRanges([{ start: 0, count: 10 }, { start: 3, count: 2 }]), [{ start: 0, count: 10 }]);
  assert.deepEqual(mergeRanges([{ start: 8, count: 4 }, { start: 0, count: 10 }, { start: 20, count: 1 }]),
    [{ start: 0, count: 12 }, { start: 20, count: 1 }]);
  const input = [{ start: 5, count: 5 }, { start: 0, count: 5 }];
  mergeRanges(input);
  assert.deepEqual(input, [{ start: 5, count: 5 }, { start: 0, count: 5 }], 'the input is left alone');
});

test('defaultMap puts the own id at 0 and the delegated ranges above, in file order', () => {
  assert.deepEqual(defaultMap(1000, []), [{ inner: 0, outer: 1000, count: 1 }]);
  assert.deepEqual(defaultMap(1000, [{ start: 100000, count: 65536 }]), [
    { inner: 0, outer: 1000, count: 1 },
    { inner: 1, outer: 100000, count: 65536 },
  ]);
  assert.deepEqual(defaultMap(1000, [{ start: 300000, count: 10 }, { start: 200000, count: 5 }]), [
    { inner: 0, outer: 1000, count: 1 },
    { inner: 1, outer: 300000, count: 10 },
    { inner: 11, outer: 200000, count: 5 },
  ]);
});

test('defaultMap leaves out the own id and ids delegated twice', () => {
  // A delegation that contains the caller's own id is split around it.
  assert.deepEqual(defaultMap(1005, [{ start: 1000, count: 10 }]), [
    { inner: 0, outer: 1005, count: 1 },
    { inner: 1, outer: 1000, count: 5 },
    { inner: 6, outer: 1006, count: 4 },
  ]);
  // The same range listed by name and by number is mapped once.
  assert.deepEqual(defaultMap(1000, [{ start: 100000, count: 10 }, { start: 100000, count: 10 }, { start: 100005, count: 10 }]), [
    { inner: 0, outer: 1000, count: 1 },
    { inner: 1, outer: 100000, count: 10 },
    { inner: 11, outer: 100010, count: 5 },
  ]);
  validateMap(defaultMap(1005, [{ start: 1000, count: 10 }, { start: 1000, count: 20 }]), '-u');
});

test('defaultMap stops at the kernel limit of ranges', () => {
  const ranges = Array.from({ length: 400 }, (_, i) => ({ start: 100000 + 10 * i, count: 5 }));
  const map = defaultMap(1000, ranges);
  assert.equal(map.length, MAX_EXTENTS);
  validateMap(map, '-u');
});

test('rootDefaultMap on the host: 0 is the highest id, the rest map onto themselves, never host 0', () => {
  const map = rootDefaultMap();
  assert.deepEqual(map, [
    { inner: 0, outer: 4294967294, count: 1 },
    { inner: 1, outer: 1, count: 4294967293 },
  ]);
  assert.ok(map.every((e) => e.outer !== 0), 'host root is not mapped');
  validateMap(map, '-u');
});

test('rootDefaultMap inside a namespace uses only the ids that exist there', () => {
  // Root of a namespace with ids 0-65536 (a caller plus a 65536-id delegation).
  assert.deepEqual(rootDefaultMap([{ start: 0, count: 65537 }]), [
    { inner: 0, outer: 65536, count: 1 },
    { inner: 1, outer: 1, count: 65535 },
  ]);
  // Ids in several pieces: the top one becomes 0, the gaps stay gaps.
  assert.deepEqual(rootDefaultMap([{ start: 1000, count: 10 }, { start: 0, count: 1 }]), [
    { inner: 0, outer: 1009, count: 1 },
    { inner: 1000, outer: 1000, count: 9 },
  ]);
  // Only 0 exists: it is all there is to map.
  assert.deepEqual(rootDefaultMap([{ start: 0, count: 1 }]), [{ inner: 0, outer: 0, count: 1 }]);
  const allowed = [{ start: 0, count: 100 }, { start: 500, count: 100 }];
  validateMap(rootDefaultMap(allowed), '-u', allowed);
});

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
