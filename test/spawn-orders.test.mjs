// What ct_spawn() hands the child it starts (native/spawn.c, arena.c):
// the child shares the tool's memory until its exec and reads a copy of
// its orders made before the clone, since koffi reuses the memory of a
// call's arguments once the call returns, and the map helpers' calls come
// after. Many and long strings must all arrive whole: command, arguments,
// environment, mounts and their options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { busyboxRoot, cli } from './helpers.mjs';

const sha = (text) => createHash('sha256').update(text).digest('hex');

/** Arguments of many lengths, from empty to longer than a page. */
function manyArguments(count) {
  return Array.from({ length: count }, (_, i) => `a${i}-${'x'.repeat((i * 37) % 300)}${i % 97 === 0 ? 'y'.repeat(5000) : ''}`)
    .concat(['', 'two words', 'ünïcödé']);
}

// Prints a digest of its arguments, then of the variables named T_*.
const DIGESTS = 'printf "%s\\n" "$@" | sha256sum | cut -d" " -f1; env | grep "^T_" | sort | sha256sum | cut -d" " -f1';

function expected(args, env) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`).sort();
  return `${sha(args.map((a) => `${a}\n`).join(''))}\n${sha(vars.map((v) => `${v}\n`).join(''))}\n`;
}

test('pseudo: 2000 arguments and 300 variables reach the command whole', () => {
  const args = manyArguments(2000);
  const env = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`T_${i}`, `v${i}-${'z'.repeat(i)}`]));
  const r = cli('pseudo', ['/bin/sh', '-c', DIGESTS, 'sh', ...args], { env });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, expected(args, env));
});

test('contain: arguments, -e variables and 40 tmpfs mounts with options reach PID 1 whole', (t) => {
  const root = busyboxRoot(t);
  const args = manyArguments(500);
  const env = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`T_${i}`, `w${i}-${'q'.repeat(i * 3)}`]));
  const mounts = Array.from({ length: 40 }, (_, i) => ['--tmpfs', `/tmp/m${i}-${'d'.repeat(i)}:size=${i + 1}m,mode=0${700 + (i % 8) * 10}`]).flat();
  const script = `${DIGESTS}; grep " /tmp/m" /proc/self/mountinfo | wc -l; `
    + 'for d in /tmp/m*; do stat -c "%n %a" "$d"; done | sort | sha256sum | cut -d" " -f1';
  const r = cli('contain', ['-c', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...mounts, root,
    '/bin/sh', '-c', script, 'sh', ...args]);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const modes = Array.from({ length: 40 }, (_, i) => `/tmp/m${i}-${'d'.repeat(i)} ${700 + (i % 8) * 10}`).sort();
  assert.equal(r.stdout, `${expected(args, env)}40\n${sha(modes.map((m) => `${m}\n`).join(''))}\n`);
});
