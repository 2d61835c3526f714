// The tools' first line: `env -S node FLAGS`, and a plain `env node` put
// in its place by the install step where env has no -S (busybox's), so
// that the tools still start there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, busyboxPath, run, scratch } from './helpers.mjs';
import { NODE_FLAGS } from '../scripts/compile-cache.mjs';
import { PLAIN, TOOLS, fitStartLine, splits } from '../scripts/start-line.mjs';

/** A copy of the repository's bins, bundles, native outputs and node_modules. */
function copy(t) {
  const dir = scratch(t);
  for (const tool of TOOLS) {
    for (const part of ['bin', 'dist']) cpSync(join(REPO, `packages/${tool}/${part}`), join(dir, `packages/${tool}/${part}`), { recursive: true });
  }
  cpSync(join(REPO, 'native'), join(dir, 'native'), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

test('the first line starts Node through env -S with the flags the code cache was written under', () => {
  for (const tool of TOOLS) {
    assert.equal(readFileSync(BIN[tool], 'utf8').split('\n')[0], `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  }
});

test('where env takes -S, the install step leaves the first line as it is', (t) => {
  assert.equal(splits(), true, 'this machine\'s env takes -S');
  const dir = copy(t);
  assert.equal(fitStartLine(dir), false);
  for (const tool of TOOLS) {
    assert.equal(readFileSync(join(dir, `packages/${tool}/bin/${tool}`), 'utf8'), readFileSync(BIN[tool], 'utf8'));
  }
});

test('where env has no -S (busybox), the install step makes it a plain env node, and the tools run', (t) => {
  const busybox = busyboxPath();
  assert.ok(busybox, 'busybox is installed');
  const env = join(scratch(t), 'env');
  symlinkSync(busybox, env);
  assert.equal(splits(env), false);
  const dir = copy(t);
  assert.equal(fitStartLine(dir, env), true);
  for (const tool of TOOLS) {
    const bin = join(dir, `packages/${tool}/bin/${tool}`);
    const [first, ...rest] = readFileSync(bin, 'utf8').split('\n');
    assert.equal(first, PLAIN);
    assert.deepEqual(rest, readFileSync(BIN[tool], 'utf8').split('\n').slice(1), 'only the first line changed');
    assert.equal(statSync(bin).mode, statSync(BIN[tool]).mode);
  }
  const r = run(join(dir, 'packages/pseudo/bin/pseudo'), ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '0\n', '']);
});
