// The README's recipes, run as written by the test user, in a scratch
// directory and with a home of its own (HOME and every XDG directory), so
// that they touch nothing of the real account: the first command (all of
// it but what it asks sudo for), then the command it prints last, typed
// into a terminal; the Debian root made without root, booted and stopped,
// then booted --ephemeral on a terminal; removing a tree.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import {
  AS_ROOT, BIN, REPO, TEST_USER, account, needs, run, scratch, subids,
} from './helpers.mjs';
import { Terminal } from './contain-support.mjs';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
/** Where the Debian recipe's tarball is kept between runs (as the e2e suite keeps its roots). */
const CACHE = process.env.E2E_CACHE ?? '/var/cache/rootless-e2e';

/** The sh blocks of the README, in order. */
const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);

/** The sh block after <!-- recipe NAME -->. */
function recipe(name) {
  const found = new RegExp(`<!-- recipe ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(README);
  assert.ok(found, `the README has a recipe ${name}`);
  return found[1];
}

function chownToUser(path) {
  if (AS_ROOT) {
    const who = account(TEST_USER);
    run('chown', ['-R', `${who.uid}:${who.gid}`, path], { user: 'root' });
  }
}

/**
 * A home of the test user's own for one test: HOME, the XDG directories
 * and a runtime directory, and PATH with the tools on it (as `npm
 * install -g` puts them) unless `tools` is false.
 */
function freshAccount(t, { tools = true } = {}) {
  const parent = scratch(t);
  const home = join(parent, 'home');
  // As useradd makes a home (mode 0755): a 0700 one makes dpkg, run by
  // mmdebstrap as a subordinate id, warn that it cannot read ~/.dpkg.cfg.
  chmodSync(parent, 0o755);
  mkdirSync(home, { mode: 0o755 });
  const xdg = {};
  for (const [name, dir] of [['XDG_CONFIG_HOME', '.config'], ['XDG_CACHE_HOME', '.cache'],
    ['XDG_DATA_HOME', '.local/share'], ['XDG_STATE_HOME', '.local/state'], ['XDG_RUNTIME_DIR', 'run']]) {
    xdg[name] = join(home, dir);
    mkdirSync(xdg[name], { recursive: true, mode: 0o700 });
  }
  let path = SYSTEM_PATH;
  if (tools) {
    const bin = join(home, '.local/bin');
    mkdirSync(bin, { recursive: true });
    for (const [tool, file] of Object.entries(BIN)) symlinkSync(file, join(bin, tool));
    path = `${bin}:${path}`;
  }
  chownToUser(home);
  return { HOME: home, PATH: path, ...xdg };
}

/** Runs a recipe as a shell script (stopping at the first failing line) in `cwd`. */
function sh(script, cwd, env, timeout = 10 * 60_000) {
  return run('sh', ['-e', '-c', script], { cwd, env, timeout });
}

test('the README opens with the first command and the test command, and its recipes are marked', () => {
  assert.match(blocks[0], /&& npm install && npm run demo\n$/);
  assert.equal(blocks[1], 'sudo bash .ci/run\n');
  for (const name of ['debian', 'ephemeral', 'remove']) recipe(name);
  // A reader runs them in the README's order, as the test below does: the tree goes last.
  const at = (name) => README.indexOf(`<!-- recipe ${name} -->`);
  assert.ok(at('debian') < at('ephemeral') && at('ephemeral') < at('remove'), 'debian, ephemeral, then remove');
});

test('the first command, but for its sudo part, runs twice in a fresh clone; the command it prints last opens a shell in the container', { timeout: 20 * 60_000 }, async (t) => {
  const parts = blocks[0].trim().split(' && ');
  const sudo = parts.filter((p) => p.startsWith('sudo '));
  assert.deepEqual(parts.slice(0, sudo.length), sudo, 'the sudo part comes first');
  // The test user may not sudo: what it would install must be installed.
  for (const part of sudo) {
    const asked = /^sudo apt-get (?:update|install -y (.+))$/.exec(part);
    assert.ok(asked, `sudo does nothing but apt-get update and install: ${part}`);
    for (const pkg of asked[1]?.split(' ') ?? []) {
      const r = run('dpkg-query', ['-W', '-f', '${Status}', pkg]);
      assert.equal(r.stdout, 'install ok installed', `${pkg} is installed`);
    }
  }
  // A clone as `git clone` makes it, with the dependencies npm would
  // fetch already in node_modules (npm install still builds everything).
  const clone = join(scratch(t), 'rootless-contain');
  const skip = /^(\.git|\.cache|demo-root|native\/build|native\/prebuilt|packages\/[^/]+\/dist|[^/]*\.tgz)$|\.tsbuildinfo$/;
  cpSync(REPO, clone, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => !skip.test(relative(REPO, source)),
  });
  chownToUser(clone);
  // A fresh account: no tools on PATH yet.
  const env = freshAccount(t, { tools: false });
  const command = parts.slice(sudo.length).join(' && ');
  const first = sh(command, clone, env);
  assert.equal(first.status, 0, `${first.stdout}\n${first.stderr}`);
  const again = sh(command, clone, env);
  assert.equal(again.status, 0, `${again.stdout}\n${again.stderr}`);
  assert.match(again.stdout, /demo-root: \S+ is built already\n/);
  for (const output of [first.stdout, again.stdout]) assert.match(output, /^demo: bash is PID 1 of container demo, as root;/m);
  const last = first.stdout.trimEnd().split('\n').at(-1);
  assert.equal(again.stdout.trimEnd().split('\n').at(-1), last, 'the same last line both times');

  // The last line, typed into a terminal as printed, from another directory.
  const term = new Terminal(t);
  term.type(`cd ${env.HOME} && export HOME=${env.HOME} XDG_RUNTIME_DIR=${env.XDG_RUNTIME_DIR}`);
  term.type(last);
  assert.ok(await term.waitFor(/^bash-[\d.]+# $/m, 30_000), term.screen());
  term.type('echo "pid $$ in $(hostname)"');
  assert.ok(await term.waitFor(/^pid 1 in demo$/m, 30_000), term.screen());
  term.type('exit');
  // Not typed ahead: the console's relay would take the line to the
  // container, and lose it there.
  assert.ok(await term.waitFor(/host\$ \s*$/, 30_000), term.screen());
  term.type('echo "status $?"');
  assert.ok(await term.waitFor(/^status 0$/m), term.screen());
});

test('the Debian recipe, as written: mmdebstrap without root, pseudo tar with no error line, a boot, inject and stop; an ephemeral boot on a terminal; then pseudo rm -rf removes the tree', { timeout: 20 * 60_000 }, async (t) => {
  if (!needs(t, run('sh', ['-c', 'command -v mmdebstrap']).status === 0, 'mmdebstrap is installed')) return;
  if (!needs(t, subids('/etc/subuid', TEST_USER).length > 0, `${TEST_USER} has subordinate ids`)) return;
  // Should the recipe fail before its last line, the container stops
  // after the test, before its registry (in the fresh home) goes.
  let env;
  t.after(() => env && run(BIN.contain, ['--stop', 'debian'], { env, timeout: 120_000 }));
  const dir = scratch(t);
  env = freshAccount(t);
  let script = recipe('debian');
  const [make] = script.split('\n');
  assert.match(make, /^mmdebstrap --mode=unshare .* debian\.tar$/);
  // mmdebstrap's tarball, kept by the text of its line: the line runs
  // whenever the cache has no tarball it made.
  const cached = join(CACHE, `readme-debian-${createHash('sha256').update(make).digest('hex').slice(0, 12)}.tar`);
  const fromCache = AS_ROOT && existsSync(cached);
  if (fromCache) {
    copyFileSync(cached, join(dir, 'debian.tar'));
    chownToUser(join(dir, 'debian.tar'));
    script = script.slice(make.length + 1);
  }
  const r = sh(script, dir, env);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  if (!fromCache && AS_ROOT) {
    mkdirSync(CACHE, { recursive: true });
    chmodSync(CACHE, 0o755);
    copyFileSync(join(dir, 'debian.tar'), `${cached}.part`);
    run('mv', [`${cached}.part`, cached], { user: 'root' });
  }
  // Nothing on stderr but mmdebstrap's own progress (I: lines).
  const errors = r.stderr.split('\n').filter((l) => l && !/^I: /.test(l));
  assert.deepEqual(errors, [], r.stderr);
  // contain -d printed the name, inject ps ax the booted system.
  const [name, ...ps] = r.stdout.split('\n');
  assert.equal(name, 'debian');
  assert.match(ps.join('\n'), /^\s*1 .*init/m, r.stdout);
  // Owners mapped as pseudo maps them: root is the user, group shadow
  // (42) the 42nd id of the user's first range.
  const me = account(TEST_USER);
  assert.equal(statSync(join(dir, 'debian/etc/passwd')).uid, me.uid);
  assert.equal(statSync(join(dir, 'debian/etc/shadow')).gid, subids('/etc/subgid', TEST_USER)[0].start + 41);
  // Stopped: no container left running.
  const list = run(BIN.contain, ['--list', '--json'], { env });
  assert.deepEqual(JSON.parse(list.stdout), []);

  // The ephemeral boot, typed into a terminal (its console), with the
  // ~/src it shows; stopped from outside, it leaves the tree as it was.
  mkdirSync(join(env.HOME, 'src'));
  writeFileSync(join(env.HOME, 'src/hello'), 'hi\n');
  chownToUser(join(env.HOME, 'src'));
  const term = new Terminal(t);
  term.type(`cd ${dir} && export ${Object.entries(env).map(([key, value]) => `${key}=${value}`).join(' ')}`);
  // Its status, once it ends, on the same line: typed later, it could reach the console.
  term.type(`${recipe('ephemeral').trim()}; echo "status $?"`);
  assert.ok(await term.waitFor(/^INIT: Entering runlevel: 2/m, 60_000), term.screen());
  const inside = run(BIN.inject, ['debian', 'sh', '-c', 'cat /src/hello && touch /etc/ephemeral && ! touch /src/x 2>/dev/null'],
    { env });
  assert.deepEqual([inside.status, inside.stdout, inside.stderr], [0, 'hi\n', '']);
  const stopped = run(BIN.contain, ['--stop', 'debian'], { env, timeout: 120_000 });
  assert.deepEqual([stopped.status, stopped.stderr], [0, '']);
  assert.ok(await term.waitFor(/^status 0$/m, 30_000), term.screen());
  assert.equal(existsSync(join(dir, 'debian/etc/ephemeral')), false, 'nothing the boot changed stayed');

  const removed = sh(recipe('remove'), dir, env);
  assert.deepEqual([removed.status, removed.stdout, removed.stderr], [0, '', '']);
  assert.ok(!existsSync(join(dir, 'debian')) && !existsSync(join(dir, 'debian.tar')), 'the tree and the tarball are gone');
});
