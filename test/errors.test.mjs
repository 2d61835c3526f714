// Unit tests of errno names and messages (packages/core/src/errors.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

const require = createRequire(import.meta.url);
const { errnoMessage, errnoNumber } = require('../packages/core/dist/errors.js');

test('an errno is found by its name, as os.constants.errno numbers it', () => {
  for (const name of ['ENOBUFS', 'ENOENT', 'EPERM', 'EEXIST']) assert.equal(errnoNumber(name), constants.errno[name], name);
  assert.equal(errnoNumber('ENOSUCHERROR'), undefined);
});

test('every errno has a message, those libuv does not know too', () => {
  assert.equal(errnoMessage(2), 'no such file or directory');
  assert.equal(errnoMessage(-2), 'no such file or directory');
  assert.equal(errnoMessage(8), 'exec format error');
  assert.equal(errnoMessage(9999), 'error 9999');
});
