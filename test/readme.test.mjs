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
  // test/recipes.test.mjs runs it, and the command it prints last.
  assert.match(install, /&& npm install && npm run demo$/);
  assert.equal(tests, 'sudo bash .ci/run');
  assert.ok(existsSync(join(REPO, '.ci/run')));
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  for (const script of ['demo', 'demo-root', 'test', 'test:e2e', 'bench']) assert.ok(pkg.scripts[script], script);
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

test('the README says what .ci/run changes on the host: its packages, users and sysctls', () => {
  const ci = readFileSync(join(REPO, '.ci/run'), 'utf8');
  const testing = /\n## Testing\n([\s\S]*?)\n## /.exec(readme)?.[1];
  assert.ok(testing, 'the README has a Testing section');
  const packages = [...ci.matchAll(/^PACKAGES\+?=\(([^)]*)\)/gm)].flatMap((m) => m[1].trim().split(/\s+/));
  assert.ok(packages.length > 10, `.ci/run's packages: ${packages}`);
  const users = [...ci.matchAll(/^\w+_USER\w*=\$\{\w+:-(\w+)\}/gm)].map((m) => m[1]);
  assert.deepEqual(users.sort(), ['crange', 'ctest', 'ctestnosub']);
  const sysctls = [...new Set([...ci.matchAll(/\/proc\/sys\/([\w/]+)/g)].map((m) => m[1].replace(/\//g, '.')))];
  assert.ok(sysctls.length >= 4, `.ci/run's sysctls: ${sysctls}`);
  for (const name of [...packages, ...users, ...sysctls]) assert.ok(testing.includes(`\`${name}\``), `the Testing section names ${name}`);
  if (/\/dev\/net\/tun/.test(ci)) assert.match(testing, /`\/dev\/net\/tun`/);
});
