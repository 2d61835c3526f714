// The README opens with the two commands for a fresh machine, and its
// generated sections (--help of each tool, benchmark results, compatibility
// table) are current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './helpers.mjs';

const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

test('the README opens with an install-and-run command and a test command', () => {
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].trim());
  const [install, tests] = blocks;
  assert.match(install, /npm install/);
  assert.match(install, /npm run demo-root/);
  assert.match(install, /npx contain demo-root/);
  assert.equal(tests, 'sudo bash .ci/run');
  assert.ok(existsSync(join(REPO, '.ci/run')));
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  for (const script of ['demo-root', 'test', 'test:e2e', 'bench']) assert.ok(pkg.scripts[script], script);
  // Both commands come before any other section.
  assert.ok(readme.indexOf('sudo bash .ci/run') < readme.indexOf('\n## '));
});

test('the README shows each tool\'s --help word for word, and the current results', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts/readme.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const tool of ['pseudo', 'contain', 'inject']) {
    const help = spawnSync(process.execPath, [join(REPO, `packages/${tool}/bin/${tool}`), '--help'], { encoding: 'utf8' });
    assert.ok(readme.includes(help.stdout), `${tool} --help is in the README`);
  }
});
