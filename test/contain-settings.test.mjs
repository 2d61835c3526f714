// What PID 1 gets from -e and --hostname, and the keys of an ini
// definition doing what the options do: environment, hostname, mounts,
// a read-only or a throwaway root.
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_USER, account, busyboxRoot, cli, scratch } from './helpers.mjs';
import { writeAs } from './contain-support.mjs';

/** PID 1's environment, as the kernel gave it: sorted NAME=VALUE lines. */
const ENVIRON = 'tr "\\0" "\\n" < /proc/1/environ | sort';

function ok(r) {
  assert.equal(r.stderr, '', 'contain printed an error');
  assert.equal(r.status, 0, r.stdout);
  return r.stdout;
}

test('-e VAR=VALUE reaches PID 1, each of them; the host\'s variables still do not', (t) => {
  const root = busyboxRoot(t);
  const out = ok(cli('contain', ['-c', '-e', 'A=1', '-e', 'B=two words', '--env', 'C=', '--env=D=x=y', root,
    '/bin/sh', '-c', ENVIRON], { env: { HOSTVAR: 'leak', A: 'host' } }));
  assert.deepEqual(out.trim().split('\n'), [
    'A=1', 'B=two words', 'C=', 'D=x=y', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'container=contain',
  ]);
});

test('-e replaces a variable contain sets, and a later -e an earlier one: each is in PID 1\'s environment once', (t) => {
  const root = busyboxRoot(t);
  mkdirSync(join(root, 'opt/bin'), { recursive: true });
  chownSync(join(root, 'opt/bin'), account(TEST_USER).uid, account(TEST_USER).gid);
  writeAs(join(root, 'opt/bin/environ'), `#!/bin/sh\n${ENVIRON}\n`, 0o755);
  // CMD is looked up in the PATH PID 1 gets.
  const out = ok(cli('contain', ['-c', '-e', 'A=1', '-e', 'PATH=/opt/bin:/bin', '-e', 'A=2', '-e', 'container=mine', root,
    'environ']));
  assert.deepEqual(out.trim().split('\n'), ['A=2', 'PATH=/opt/bin:/bin', 'container=mine']);
  // With a console, contain sets TERM: -e sets it instead.
  const console = ok(cli('contain', ['-e', 'TERM=dumb', root, '/opt/bin/environ'], { env: { TERM: 'xterm' } }));
  assert.deepEqual(console.trim().split('\n'), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=dumb', 'container=contain',
  ]);
});

test('-e without VAR= and a bad --hostname are usage errors', (t) => {
  const root = busyboxRoot(t);
  for (const [args, message] of [
    [['-e', 'NOVALUE'], '-e NOVALUE: not VAR=VALUE'],
    [['--env', '1A=x'], '--env 1A=x: not VAR=VALUE'],
    [['--hostname', 'not a name'], '--hostname not a name: not a valid hostname'],
  ]) {
    const r = cli('contain', ['-c', ...args, root, '/bin/true']);
    assert.deepEqual([r.status, r.stderr], [64, `contain: ${message}\n`]);
  }
});

test('--hostname names the container, over DIR/etc/hostname', (t) => {
  const root = busyboxRoot(t);
  writeAs(join(root, 'etc/hostname'), 'fromfile\n');
  assert.equal(ok(cli('contain', ['-c', '--hostname', 'given.example', root, '/bin/hostname'])), 'given.example\n');
  assert.equal(ok(cli('contain', ['-c', root, '/bin/hostname'])), 'fromfile\n');
  // Found as inside the container: a link in DIR leads to DIR's files,
  // never to the host's.
  writeAs(join(root, 'etc/name'), 'linked\n');
  rmSync(join(root, 'etc/hostname'));
  symlinkSync('/etc/name', join(root, 'etc/hostname'));
  assert.equal(ok(cli('contain', ['-c', root, '/bin/hostname'])), 'linked\n');
  const hostEtc = join(scratch(t), 'etc');
  mkdirSync(hostEtc);
  writeAs(join(hostEtc, 'hostname'), 'fromhost\n');
  renameSync(join(root, 'etc'), join(root, 'etc.own'));
  symlinkSync(hostEtc, join(root, 'etc'));
  assert.equal(ok(cli('contain', ['-c', root, '/bin/hostname'])), `${hostname()}\n`);
});

/** A definition file in a directory of the test user's; relative sources are relative to it. */
function definition(t, lines) {
  const dir = join(scratch(t), 'defs');
  mkdirSync(dir);
  chownSync(dir, account(TEST_USER).uid, account(TEST_USER).gid);
  mkdirSync(join(dir, 'shared'));
  chownSync(join(dir, 'shared'), account(TEST_USER).uid, account(TEST_USER).gid);
  writeAs(join(dir, 'shared/note'), 'shared note\n');
  const file = join(dir, 'box.ini');
  writeAs(file, `[container]\n${lines.join('\n')}\n`);
  return { file, shared: join(dir, 'shared') };
}

test('the keys env, hostname, bind, ro-bind and tmpfs do what the options do', (t) => {
  const root = busyboxRoot(t);
  const { file, shared } = definition(t, [
    `root = ${root}`,
    'env = A=1',
    'env = B=2',
    'hostname = inibox',
    'tmpfs = /mnt:size=1m',
    'bind = shared:/mnt/rw',
    'ro-bind = shared/note:/etc/note',
  ]);
  const script = `${ENVIRON}; hostname; cat /mnt/rw/note /etc/note; echo w > /mnt/rw/w; (echo x > /etc/note) 2>&1; `
    + 'awk \'$5 == "/mnt" { print $8, $10 }\' /proc/self/mountinfo';
  const fromFile = ok(cli('contain', ['-c', '-f', file, '/bin/sh', '-c', script]));
  assert.equal(readFileSync(join(shared, 'w'), 'utf8'), 'w\n');
  const fromOptions = ok(cli('contain', ['-c', '-e', 'A=1', '-e', 'B=2', '--hostname', 'inibox', '--tmpfs', '/mnt:size=1m',
    '--bind', `${shared}:/mnt/rw`, '--ro-bind', `${shared}/note:/etc/note`, root, '/bin/sh', '-c', script]));
  assert.equal(fromFile, fromOptions);
  assert.match(fromFile, /^A=1\nB=2\n/);
  assert.match(fromFile, /^inibox\nshared note\nshared note\n.*Read-only file system\ntmpfs rw,size=1024k/m);
});

test('the keys read-only and ephemeral do what the options do', (t) => {
  const root = busyboxRoot(t);
  const before = readdirSync(root).sort();
  for (const key of ['read-only', 'ephemeral']) {
    const { file } = definition(t, [`root = ${root}`, `${key} = true`]);
    const script = 'touch /made 2>&1; ls /made 2>/dev/null; true';
    const fromFile = ok(cli('contain', ['-c', '-f', file, '/bin/sh', '-c', script]));
    const fromOption = ok(cli('contain', ['-c', `--${key}`, root, '/bin/sh', '-c', script]));
    assert.equal(fromFile, fromOption);
    assert.equal(fromFile, key === 'read-only' ? 'touch: /made: Read-only file system\n' : '/made\n');
    assert.deepEqual(readdirSync(root).sort(), before);
  }
  // A throwaway root the kernel refuses is named by FILE:LINE: key too.
  const { file } = definition(t, ['root = /proc/sys', 'ephemeral = true']);
  const r = cli('contain', ['-c', '-f', file, '/bin/true']);
  assert.deepEqual([r.status, r.stderr], [125, `contain: ${file}:3: ephemeral: cannot mount an overlay of /proc/sys: `
    + 'invalid argument (overlayfs does not take this directory\'s file system as a layer)\n']);
});

test('a definition\'s mounts come first, then the command line\'s; a bad one is named by FILE:LINE', (t) => {
  const root = busyboxRoot(t);
  const { file, shared } = definition(t, [`root = ${root}`, 'tmpfs = /mnt']);
  assert.equal(ok(cli('contain', ['-c', '-f', file, '--bind', `${shared}:/mnt/sub`, '/bin/cat', '/mnt/sub/note'])),
    'shared note\n');
  const bad = definition(t, [`root = ${root}`, 'env = A=1', 'bind = missing:/x']);
  const r = cli('contain', ['-c', '-f', bad.file, '/bin/true']);
  const missing = join(bad.file, '../missing');
  assert.deepEqual([r.status, r.stderr],
    [64, `contain: ${bad.file}:4: bind ${missing}:/x: SRC ${missing}: no such file or directory\n`]);
});
