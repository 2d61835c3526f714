// Unit tests of signal names and numbers (packages/core/src/signals.ts),
// which the tools know without loading Node's os module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { constants } from 'node:os';

const require = createRequire(import.meta.url);
const { SIGNALS, signalName, signalNumber } = require('../packages/core/dist/signals.js');

test('the signal table is os.constants.signals, name for name and in its order', () => {
  assert.deepEqual(Object.entries(SIGNALS), Object.entries(constants.signals));
});

test('a number is named by its first name, as os.constants.signals orders them', () => {
  assert.equal(signalName(6), 'SIGABRT');
  assert.equal(signalName(29), 'SIGIO');
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName(40), 'SIG40');
});

test('names with or without SIG, in any case, numbers and real-time signals are understood', () => {
  assert.equal(signalNumber('term'), 15);
  assert.equal(signalNumber('SIGUSR2'), 12);
  assert.equal(signalNumber('9'), 9);
  assert.equal(signalNumber('SIGRTMIN+3'), 37);
  assert.equal(signalNumber('rtmax-1'), 63);
  assert.equal(signalNumber('SIGRTMIN-1'), undefined);
  assert.equal(signalNumber('SIGNOPE'), undefined);
});
