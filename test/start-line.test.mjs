// The tools' first line: `env -S node FLAGS`, and a plain `env node` put
// in its place by the install step where that line cannot start Node
// (busybox's env has no -S), with code caches for a Node started so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO, busyboxPath, run, scratch } from './helpers.mjs';
import { NODE_FLAGS } from '../scripts/compile-cache.mjs';
import { PLAIN, TOOLS, fitStartLine, startsWithFlags } from '../scripts/start-line.mjs';

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

test('where the first line starts Node, the install step leaves it as it is', (t) => {
  assert.equal(startsWithFlags(), true, 'this machine\'s env takes -S, and its Node the flags');
  const dir = copy(t);
  assert.equal(fitStartLine(dir), false);
  for (const tool of TOOLS) {
    assert.equal(readFileSync(join(dir, `packages/${tool}/bin/${tool}`), 'utf8'), readFileSync(BIN[tool], 'utf8'));
  }
});

test('where env has no -S (busybox), the install step makes it a plain env node, with caches for it, and the tools run', (t) => {
  const busybox = busyboxPath();
  assert.ok(busybox, 'busybox is installed');
  const env = join(scratch(t), 'env');
  symlinkSync(busybox, env);
  assert.equal(startsWithFlags(env), false);
  const dir = copy(t);
  assert.equal(fitStartLine(dir, env), true);
  for (const tool of TOOLS) {
    const bin = join(dir, `packages/${tool}/bin/${tool}`);
    const [first, ...rest] = readFileSync(bin, 'utf8').split('\n');
    assert.equal(first, PLAIN);
    assert.deepEqual(rest, readFileSync(BIN[tool], 'utf8').split('\n').slice(1), 'only the first line changed');
    assert.equal(statSync(bin).mode, statSync(BIN[tool]).mode);
  }
  // V8 takes the new caches from a Node without the flags.
  const probe = join(scratch(t), 'probe.cjs');
  writeFileSync(probe, `
    const vm = require('node:vm');
    const { Script } = vm;
    vm.Script = class extends Script {
      constructor(code, options) {
        super(code, options);
        process.on('exit', () => process.stderr.write(JSON.stringify([Boolean(options.cachedData), this.cachedDataRejected]) + '\\n'));
      }
    };
  `);
  for (const [tool, args, out] of [['pseudo', ['id', '-u'], '0\n'], ['contain', ['--version'], undefined], ['inject', ['--version'], undefined]]) {
    const r = run(join(dir, `packages/${tool}/bin/${tool}`), args, { env: { NODE_OPTIONS: `--require ${probe}` } });
    assert.equal(r.status, 0, r.stderr);
    if (out !== undefined) assert.equal(r.stdout, out);
    assert.equal(r.stderr, '[true,false]\n', `${tool}: its cache was taken`);
  }
});
