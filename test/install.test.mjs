// The project installs as an npm package, as a user would install it:
// `npm pack` of a checkout (its prepack builds the bundles and the
// prebuilt native outputs), then `npm install -g` of the tarball into a
// prefix of the test user's own, with no C compiler on PATH. The tools
// then work from any directory, `man` finds their pages, and the package
// says in one line what to do where something is missing. Packed once
// for the whole file; installing fetches koffi from the npm registry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  AS_ROOT, REPO, TEST_USER, account, busyboxRoot, finished, run, scratch, start, until,
} from './helpers.mjs';

const NAME = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).name;
const TOOLS = ['pseudo', 'contain', 'inject'];
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin';
const ELF_MACHINE = { x64: 62, arm64: 183 };

/** A stand-in for a test context, for what lives as long as this file. */
const cleanups = [];
const file = { after: (hook) => cleanups.push(hook) };
after(() => cleanups.splice(0).reverse().forEach((hook) => hook()));

function chownToUser(path) {
  if (AS_ROOT) {
    const who = account(TEST_USER);
    run('chown', ['-R', `${who.uid}:${who.gid}`, path], { user: 'root' });
  }
}

/**
 * A checkout as a fresh clone has it after `npm install --ignore-scripts`:
 * sources, no build output. Its node_modules links to the repository's,
 * except the workspace links, which point into the copy.
 */
function checkout(t) {
  const dir = join(scratch(t), 'checkout');
  const skip = new Set(['node_modules', '.git', 'dist', 'build', 'prebuilt', '.cache', 'demo-root', 'test', 'bench',
    'docs']);
  cpSync(REPO, dir, {
    recursive: true,
    filter: (source) => !skip.has(source.split('/').pop()) && !source.endsWith('.tsbuildinfo')
      && !source.endsWith('.tgz'),
  });
  mkdirSync(join(dir, 'node_modules/@rootless-containers'), { recursive: true });
  for (const entry of readdirSync(join(REPO, 'node_modules'))) {
    if (entry !== '@rootless-containers') symlinkSync(join(REPO, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  for (const pkg of ['core', ...TOOLS]) {
    symlinkSync(`../../packages/${pkg}`, join(dir, 'node_modules/@rootless-containers', pkg));
  }
  chownToUser(dir);
  return dir;
}

/** A directory with node, npm, sh and setpriv, and no C compiler or make: a PATH for "no compiler". */
function bareBin(t) {
  const dir = join(scratch(t), 'bin');
  mkdirSync(dir);
  const npm = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  symlinkSync(process.execPath, join(dir, 'node'));
  symlinkSync(npm, join(dir, 'npm'));
  symlinkSync('/bin/sh', join(dir, 'sh'));
  // The harness starts every command through setpriv, looked up in PATH.
  symlinkSync('/usr/bin/setpriv', join(dir, 'setpriv'));
  chownToUser(dir);
  return dir;
}

// The machine's way to the registry, from npm's global config
// (PREFIX/etc/npmrc), which npm stops reading once a user sets a prefix of
// their own: a CA file, a proxy. Passed on as the user would set them.
const MACHINE_NPM = Object.fromEntries(['cafile', 'https-proxy', 'proxy', 'registry'].map((key) => {
  const value = spawnSync('npm', ['config', 'get', key], { encoding: 'utf8' }).stdout.trim();
  return [`npm_config_${key.replace('-', '_')}`, value];
}).filter(([, value]) => value && value !== 'null' && value !== 'undefined'));

/**
 * npm as the test user. A prefix is set as npm documents for a user
 * without root, `npm config set prefix DIR`, in a user config of its own.
 */
function npm(args, { prefix, path = SYSTEM_PATH, cwd = '/' } = {}) {
  const env = {
    PATH: path,
    ...MACHINE_NPM,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  if (prefix) {
    mkdirSync(prefix, { recursive: true });
    chownToUser(prefix);
    env.npm_config_userconfig = join(prefix, 'npmrc');
    const r = run('npm', ['config', 'set', 'prefix', prefix], { env });
    assert.equal(r.status, 0, r.stderr);
  }
  return run('npm', args, { cwd, timeout: 300_000, env });
}

function elfHeader(path) {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try { readSync(fd, header, 0, 20, 0); } finally { closeSync(fd); }
  return { magic: header.toString('latin1', 0, 4), bits: header[4] === 2 ? 64 : 32, machine: header.readUInt16LE(18) };
}

let tarball, prefix, installed, bare, packedCheckout;

before(() => {
  const dir = checkout(file);
  packedCheckout = dir;
  const out = join(scratch(file), 'pack');
  mkdirSync(out);
  chownToUser(out);
  const packed = npm(['pack', '--pack-destination', out], { cwd: dir });
  assert.equal(packed.status, 0, packed.stderr);
  tarball = join(out, readdirSync(out).find((f) => f.endsWith('.tgz')));
  bare = bareBin(file);
  prefix = join(scratch(file), 'prefix');
  installed = join(prefix, 'lib/node_modules', NAME);
});

test('npm pack ships the bundles, their code caches, the man pages and prebuilt native outputs, not the sources', () => {
  const list = run('tar', ['-tzf', tarball]).stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  for (const tool of TOOLS) {
    for (const part of [`packages/${tool}/bin/${tool}`, `packages/${tool}/dist/${tool}.js`,
      `packages/${tool}/dist/${tool}.js.cache`, `man/${tool}.1`]) assert.ok(list.includes(part), part);
  }
  for (const arch of Object.keys(ELF_MACHINE)) assert.ok(list.includes(`native/prebuilt/linux-${arch}/libcontainers.so`), arch);
  assert.ok(list.includes('native/Makefile') && list.includes('native/containers.h'));
  assert.ok(!list.some((f) => f.startsWith('native/build/')), 'what make built in the checkout stays out');
  assert.ok(!list.some((f) => f.endsWith('.ts') || f.startsWith('test/') || f.includes('/src/')), list.join(' '));
});

test('npm install -g of the tarball into a user prefix, with no C compiler on PATH, uses the prebuilt library', () => {
  assert.notEqual(run('sh', ['-c', 'command -v cc || command -v gcc || command -v make'], { env: { PATH: bare } }).status, 0);
  // As the README says: npm 11 runs the install step (and warns that its
  // script is not in allow-scripts), which finds the prebuilt library here.
  const r = npm(['install', '-g', tarball], { prefix, path: bare });
  assert.equal(r.status, 0, r.stderr);
  for (const tool of TOOLS) assert.ok(existsSync(join(prefix, 'bin', tool)), `${prefix}/bin/${tool}`);
  assert.ok(existsSync(join(installed, `native/prebuilt/linux-${process.arch}/libcontainers.so`)));
  assert.equal(existsSync(join(installed, 'native/build')), false, 'nothing was built');
});

test('the installed pseudo, contain and inject work from any directory, on the prebuilt library', async (t) => {
  const root = busyboxRoot(t);
  const env = { PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}` };
  for (const cwd of ['/', '/tmp']) {
    const pseudo = run('pseudo', ['id', '-u'], { env, cwd });
    assert.deepEqual([pseudo.status, pseudo.stdout, pseudo.stderr], [0, '0\n', '']);
    const contain = run('contain', ['-c', root, '/bin/sh', '-c', 'echo $$'], { env, cwd });
    assert.deepEqual([contain.status, contain.stdout, contain.stderr], [0, '1\n', '']);
  }
  const container = start('contain', ['-c', root, '/bin/sh', '-c', 'echo up; exec sleep 30'], { env, cwd: '/tmp' });
  const ended = finished(container);
  t.after(() => container.kill('SIGKILL'));
  let said = '';
  container.stdout.on('data', (d) => { said += d; });
  assert.ok(await until(() => said.includes('up')), 'the container runs');
  const inject = run('inject', [String(container.pid), '/bin/sh', '-c', 'cat /proc/1/comm'], { env, cwd: '/' });
  assert.deepEqual([inject.status, inject.stdout, inject.stderr], [0, 'sleep\n', '']);
  // sleep as PID 1 ignores the stop signal: no need to wait out the stop timeout.
  container.kill('SIGKILL');
  await ended;
  // With cc and make on PATH now, a tool that did not find its library would have built one.
  assert.equal(existsSync(join(installed, 'native/build')), false, 'the tools used the prebuilt library');
});

test('man contain finds the installed page through PATH', () => {
  const env = { PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}`, MANPAGER: 'cat', MANWIDTH: '80' };
  const where = run('man', ['-w', 'contain'], { env, cwd: '/tmp' });
  assert.equal(where.status, 0, where.stderr);
  assert.match(where.stdout, new RegExp(`^${prefix}/.*contain\\.1\\n$`));
  const page = run('man', ['contain'], { env, cwd: '/tmp' });
  assert.equal(page.status, 0, page.stderr);
  assert.match(page.stdout, /^CONTAIN\(1\)/);
  assert.match(page.stdout, /\n {7}contain \[OPTIONS\] DIR \[CMD \[ARG\]\.\.\.\]\n/);
  // The format of definitions, in section 5.
  const format = run('man', ['5', 'contain.ini'], { env, cwd: '/tmp' });
  assert.equal(format.status, 0, format.stderr);
  assert.match(format.stdout, /^CONTAIN\.INI\(5\)/);
});

test('the README\'s completion line, run after the install, loads the installed completion from ~/.bashrc', (t) => {
  const line = /<!-- recipe completion -->\n```sh\n([^\n]*)\n```/.exec(readFileSync(join(REPO, 'README.md'), 'utf8'))?.[1];
  assert.ok(line, 'the README has the completion recipe');
  const home = scratch(t);
  const env = {
    HOME: home,
    PATH: `${join(prefix, 'bin')}:${SYSTEM_PATH}`,
    npm_config_userconfig: join(prefix, 'npmrc'),
  };
  const r = run('bash', ['--norc', '-c', line], { env, cwd: home });
  assert.deepEqual([r.status, r.stderr], [0, '']);
  const loaded = run('bash', ['--norc', '-c', '. ~/.bashrc && complete -p pseudo contain inject'], { env, cwd: home });
  assert.equal(loaded.stderr, '');
  assert.equal(loaded.stdout, 'complete -F _pseudo pseudo\ncomplete -F _contain contain\ncomplete -F _inject inject\n');
  assert.ok(readFileSync(join(home, '.bashrc'), 'utf8').includes(join(installed, 'completion/rootless-contain.bash')));
});

test('every native output ships prebuilt for linux x64 and arm64, as an ELF file for that machine', () => {
  const outputs = run('make', ['-s', '-C', join(REPO, 'native'), 'print-outputs']).stdout.trim().split(/\s+/);
  assert.ok(outputs.includes('libcontainers.so'), outputs.join(' '));
  for (const [arch, machine] of Object.entries(ELF_MACHINE)) {
    for (const name of outputs) {
      const header = elfHeader(join(installed, 'native/prebuilt', `linux-${arch}`, name));
      assert.deepEqual(header, { magic: '\x7fELF', bits: 64, machine }, `${arch}/${name}`);
    }
  }
});

test('the README\'s install recipe, run as written in a built checkout, links it: a new login finds the tools and their man pages', (t) => {
  const recipe = /<!-- recipe install -->\n```sh\n([\s\S]*?)```/.exec(readFileSync(join(REPO, 'README.md'), 'utf8'))?.[1];
  assert.ok(recipe, 'the README has the install recipe');
  // A home as useradd makes one, with /etc/skel's .profile: it puts
  // ~/.local/bin on PATH once that exists.
  const home = scratch(t);
  cpSync('/etc/skel/.profile', join(home, '.profile'));
  chownToUser(home);
  const r = run('sh', ['-e', '-c', recipe], {
    cwd: packedCheckout,
    timeout: 300_000,
    env: { HOME: home, ...MACHINE_NPM, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
  assert.equal(r.status, 0, r.stderr);
  // Logged in again: a login shell, whose PATH /etc/profile and ~/.profile set.
  const login = (script) => run('bash', ['-l', '-c', script], { env: { HOME: home }, cwd: '/tmp' });
  for (const tool of TOOLS) {
    const version = login(`command -v ${tool} && ${tool} --version`);
    assert.deepEqual([version.status, version.stderr], [0, '']);
    assert.match(version.stdout, new RegExp(`^${home}/\\.local/bin/${tool}\\n${tool} \\d+\\.\\d+\\.\\d+\\n$`));
    const where = login(`man -w ${tool}`);
    assert.equal(where.stdout, `${packedCheckout}/man/${tool}.1\n`, where.stderr);
  }
  const pseudo = login('pseudo id -u');
  assert.deepEqual([pseudo.status, pseudo.stdout, pseudo.stderr], [0, '0\n', '']);
});

test('npm install -g --ignore-scripts: the tools work, and --help works without the native library', (t) => {
  const other = join(scratch(t), 'prefix');
  const r = npm(['install', '-g', '--ignore-scripts', tarball], { prefix: other, path: bare });
  assert.equal(r.status, 0, r.stderr);
  const env = { PATH: `${join(other, 'bin')}:${SYSTEM_PATH}` };
  const pseudo = run('pseudo', ['id', '-u'], { env });
  assert.deepEqual([pseudo.status, pseudo.stdout, pseudo.stderr], [0, '0\n', '']);
  const native = join(other, 'lib/node_modules', NAME, 'native');
  rmSync(join(native, 'prebuilt'), { recursive: true, force: true });
  for (const tool of TOOLS) {
    const help = run(tool, ['--help'], { env: { PATH: `${join(other, 'bin')}:${bare}` } });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^Usage: ${tool} `));
  }
  // No library and no compiler: one line with what to run.
  const missing = run('pseudo', ['true'], { env: { PATH: `${join(other, 'bin')}:${bare}` } });
  assert.equal(missing.status, 125);
  assert.equal(missing.stderr, `pseudo: native library ${native}/build/libcontainers.so is missing and could not be built `
    + `(install make and a C compiler, then run: make -C ${native})\n`);
});

test('several first runs at once, with the install step skipped, build the native library once and all run', { timeout: 600_000 }, (t) => {
  const other = join(scratch(t), 'prefix');
  const r = npm(['install', '-g', '--ignore-scripts', tarball], { prefix: other, path: bare });
  assert.equal(r.status, 0, r.stderr);
  const native = join(other, 'lib/node_modules', NAME, 'native');
  rmSync(join(native, 'prebuilt'), { recursive: true, force: true });
  const env = { PATH: `${join(other, 'bin')}:${SYSTEM_PATH}` };
  // Three rounds: a start that raced another's make failed about one time in five.
  for (let round = 0; round < 3; round++) {
    rmSync(join(native, 'build'), { recursive: true, force: true });
    const all = run('/bin/sh', ['-c', 'for i in 1 2 3 4 5 6; do (pseudo echo ok || echo "failed: $?") & done; wait'],
      { env, timeout: 180_000 });
    assert.equal(all.stderr, '');
    assert.equal(all.stdout, 'ok\n'.repeat(6));
  }
});

test('without a prebuilt library for the machine or a compiler, the install step says in one line what to install', (t) => {
  const copy = join(scratch(t), NAME);
  cpSync(installed, copy, { recursive: true });
  rmSync(join(copy, 'native/prebuilt'), { recursive: true });
  chownToUser(copy);
  const r = run('node', [join(copy, 'scripts/install.mjs')], { env: { PATH: bare } });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `${NAME}: no prebuilt native library for linux-${process.arch}, and building it needs make and `
    + 'a C compiler: install them (Debian: apt-get install make gcc libc6-dev), then install again\n');
  // With a compiler, the same step builds it.
  const built = run('node', [join(copy, 'scripts/install.mjs')]);
  assert.equal(built.status, 0, built.stderr);
  assert.ok(existsSync(join(copy, 'native/build/libcontainers.so')));
});

test('in a checkout whose install scripts were skipped, a tool says in one line what to run', (t) => {
  const dir = checkout(t);
  for (const tool of TOOLS) {
    const r = run(join(dir, `packages/${tool}/bin/${tool}`), ['--help']);
    assert.equal(r.status, 125);
    assert.equal(r.stderr, `${tool}: not built yet: run npm run build in ${dir}\n`);
    assert.equal(r.stdout, '');
  }
});

test('npm install -g of a clone where npm install never ran: one line says to run it, and nothing is built', (t) => {
  const dir = checkout(t);
  rmSync(join(dir, 'node_modules'), { recursive: true });
  const r = npm(['install', '-g', dir], { prefix: join(scratch(t), 'prefix') });
  assert.notEqual(r.status, 0);
  // npm shows the step's output after its own prefix.
  const line = `${NAME}: typescript is not installed in ${dir}: run npm install there first`;
  assert.ok(r.stderr.split('\n').some((l) => l.replace(/^npm error /, '') === line), r.stderr);
  assert.doesNotMatch(r.stderr, /^npm error +at /m, 'no stack trace');
  assert.equal(existsSync(join(dir, 'native/build')), false, 'nothing was built');
});
