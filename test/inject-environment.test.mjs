// What CMD gets from inject: the container's environment and user, not the
// caller's. PID 1's environment, the caller's TERM, and HOME, USER,
// LOGNAME and SHELL of the user it runs as, from the container's own
// /etc/passwd; -e, -u and -w; the user's home as working directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, BIN, TEST_USER, account, busyboxRoot, cli, run, subids } from './helpers.mjs';
import { startContainer } from './inject-container.mjs';

/** Writes a file in a container root as the test user's (container root's). */
function put(root, path, text, mode = 0o644) {
  const file = join(root, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  if (AS_ROOT) chownSync(file, account(TEST_USER).uid, account(TEST_USER).gid);
}

/** The host id of container id `id` under the test user's default map. */
function hostId(file, id) {
  if (id === 0) return account(TEST_USER)[file === '/etc/subuid' ? 'uid' : 'gid'];
  let next = 1;
  for (const r of subids(file, TEST_USER)) {
    if (id < next + r.count) return r.start + id - next;
    next += r.count;
  }
  throw new Error(`container id ${id} is not mapped`);
}

/** Gives a path in the root to a container user (a host id of the map). */
function chownInside(root, path, uid, gid) {
  chownSync(join(root, path), hostId('/etc/subuid', uid), hostId('/etc/subgid', gid));
}

/** Runs inject as the test user; asserts success and no complaint. */
function inject(args, options = {}) {
  const r = cli('inject', args, options);
  assert.equal(r.stderr, '', `inject ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.status, 0);
  return r.stdout;
}

/** Runs inject and asserts one line on stderr, and the status. */
function refused(args, status, message) {
  const r = cli('inject', args);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${message}\n`, args.join(' '));
  assert.equal(r.status, status, args.join(' '));
}

/** NAME=value lines of `env`, as an object. */
function envOf(text) {
  return Object.fromEntries(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const PASSWD = [
  'root:x:0:0:root:/root:/bin/ash',
  'alice:x:1000:1000:Alice:/home/alice:/bin/sh',
  'bob:x:1001:1001:Bob:/home/nowhere:/bin/sh',
  '',
].join('\n');
const GROUP = ['root:x:0:', 'tty:x:5:', 'alice:x:1000:', 'bob:x:1001:', 'wheel:x:10:alice,bob', 'audio:x:29:alice', ''].join('\n');
const INIT_ENV = 'FROM_PID1=init-value';
const HOST_ONLY = { GREETING: 'from the host', TERM: 'xterm-caller', PATH: '/usr/bin:/bin' };

test('inject gives CMD the container\'s environment and users', async (t) => {
  const root = busyboxRoot(t);
  put(root, 'etc/passwd', PASSWD);
  put(root, 'etc/group', GROUP);
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  if (AS_ROOT) chownInside(root, 'home/alice', 1000, 1000);
  // PID 1's environment has a variable of its own, which CMD inherits.
  const c = await startContainer(t, ['-c', root, 'env', INIT_ENV, 'sleep', '1000'], { ready: 'sleep' });
  const pid = String(c.pid);
  const pid1Env = readFileSync(`/proc/${c.init}/environ`, 'utf8').split('\0').filter(Boolean);

  await t.test('PID 1\'s environment, the caller\'s TERM, root\'s HOME, USER, LOGNAME and SHELL; nothing else of the caller\'s', () => {
    const env = envOf(inject([pid, 'env'], { env: HOST_ONLY }));
    const expected = Object.fromEntries(pid1Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    Object.assign(expected, { TERM: 'xterm-caller', HOME: '/root', USER: 'root', LOGNAME: 'root', SHELL: '/bin/ash' });
    // What the shell running env adds of its own.
    delete env.PWD;
    delete env.SHLVL;
    assert.deepEqual(env, expected);
    assert.equal(env.FROM_PID1, 'init-value');
    assert.equal(env.container, 'contain');
    assert.match(env.PATH, /^\/usr\/local\/sbin:/);
    assert.equal(env.GREETING, undefined);
  });

  await t.test('without -u: root, in its home, with its shell by default', () => {
    assert.equal(inject([pid, 'sh', '-c', 'id; pwd']), 'uid=0(root) gid=0(root) groups=0(root)\n/root\n');
    assert.equal(inject([pid], { input: 'echo "shell=$0"\n', env: { SHELL: '/bin/sh' } }), 'shell=/bin/ash\n');
  });

  await t.test('-u NAME: the user\'s ids, groups from /etc/group, home, shell and names', () => {
    const out = inject(['-u', 'alice', pid, 'sh', '-c', 'id; pwd; echo "$HOME $USER $LOGNAME $SHELL"']);
    assert.equal(out, 'uid=1000(alice) gid=1000(alice) groups=10(wheel),29(audio),1000(alice)\n'
      + '/home/alice\n/home/alice alice alice /bin/sh\n');
    assert.equal(inject(['-u', 'alice', pid], { input: 'echo "shell=$0"\n' }), 'shell=/bin/sh\n');
  });

  await t.test('-u with numbers, and a GROUP by name or number', () => {
    assert.equal(inject(['-u', '1000', pid, 'id']), 'uid=1000(alice) gid=1000(alice) groups=10(wheel),29(audio),1000(alice)\n');
    assert.equal(inject(['-u', 'alice:wheel', pid, 'id']), 'uid=1000(alice) gid=10(wheel) groups=10(wheel),29(audio)\n');
    assert.equal(inject(['-u', '1000:29', pid, 'id']), 'uid=1000(alice) gid=29(audio) groups=10(wheel),29(audio)\n');
  });

  await t.test('a uid the container does not know: gid 0, home /, /bin/sh, no USER', () => {
    const out = inject(['-u', '2000', pid, 'sh', '-c', 'id -u; id -g; pwd; echo "$HOME|$SHELL|${USER-unset}|${LOGNAME-unset}"']);
    assert.equal(out, '2000\n0\n/\n/|/bin/sh|unset|unset\n');
  });

  await t.test('a home the user cannot enter or that is missing: / instead', () => {
    assert.equal(inject(['-u', 'bob', pid, 'sh', '-c', 'pwd; echo "$HOME"']), '/\n/home/nowhere\n');
  });

  await t.test('-w DIR sets the working directory, as that user', () => {
    assert.equal(inject(['-w', '/tmp', pid, 'pwd']), '/tmp\n');
    assert.equal(inject(['-u', 'alice', '-w', '/home/alice', pid, 'pwd']), '/home/alice\n');
    refused(['-w', '/no/such/dir', pid, 'pwd'], 125, 'inject: enter the working directory /no/such/dir: no such file or directory');
  });

  await t.test('-e VAR=VALUE adds or replaces a variable, and may be repeated', () => {
    const env = envOf(inject(['-e', 'ONE=1', '-e', 'HOME=/elsewhere', '-e', 'EMPTY=', '-e', 'EQ=a=b', pid, 'env']));
    assert.equal(env.ONE, '1');
    assert.equal(env.HOME, '/elsewhere');
    assert.equal(env.EMPTY, '');
    assert.equal(env.EQ, 'a=b');
    // CMD is looked up in the PATH it will have.
    put(root, 'opt/bin/only-there', '#!/bin/sh\necho found in -e PATH\n', 0o755);
    assert.equal(inject(['-e', 'PATH=/opt/bin:/bin', pid, 'only-there']), 'found in -e PATH\n');
  });

  await t.test('bad -u, -w and -e values: one line each, status 64', () => {
    refused(['-u', 'carol', pid, 'true'], 64, 'inject: -u carol: no user carol in the container\'s /etc/passwd');
    refused(['-u', 'alice:staff', pid, 'true'], 64, 'inject: -u alice:staff: no group staff in the container\'s /etc/group');
    refused(['-u', '-1', pid, 'true'], 64, 'inject: -u -1: no user -1 in the container\'s /etc/passwd');
    refused(['-u', '4000000000', pid, 'true'], 64, 'inject: -u 4000000000: uid 4000000000 is not mapped in the container');
    refused(['-e', 'NOVALUE', pid, 'true'], 64, 'inject: -e NOVALUE: not VAR=VALUE');
    refused(['-e', '=x', pid, 'true'], 64, 'inject: -e =x: not VAR=VALUE');
  });
});

test('without /etc/passwd in the container: root, HOME /root, SHELL /bin/sh', async (t) => {
  const root = busyboxRoot(t);
  rmSync(join(root, 'etc/passwd'));
  rmSync(join(root, 'etc/group'));
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const out = inject([String(c.pid), 'sh', '-c', 'id -u; id -g; pwd; echo "$HOME $USER $LOGNAME $SHELL"']);
  assert.equal(out, '0\n0\n/root\n/root root root /bin/sh\n');
});

test('/etc/passwd and /etc/group are read inside the container\'s root, never through a link to a host file', async (t) => {
  const root = busyboxRoot(t);
  const host = join(root, '..');
  // Host files the links point at; a container's /home/x has nothing.
  put(host, 'secret/passwd', 'root:x:0:0:host secret:/secret-home:/secret-shell\n');
  put(host, 'secret/group', 'root:x:0:\nsecret:x:77:root\n');
  rmSync(join(root, 'etc/passwd'));
  rmSync(join(root, 'etc/group'));
  symlinkSync(join(host, 'secret/passwd'), join(root, 'etc/passwd'));
  symlinkSync(join(host, 'secret/group'), join(root, 'etc/group'));
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const out = inject([String(c.pid), 'sh', '-c', 'echo "$HOME $SHELL"; id -G']);
  assert.equal(out, '/root /bin/sh\n0\n');
  // Not vacuous: where the link points inside the container, it is read.
  mkdirSync(join(root, host, 'secret'), { recursive: true });
  put(root, join(host, 'secret/passwd'), 'root:x:0:0:inside:/inside-home:/bin/sh\n');
  assert.equal(inject([String(c.pid), 'sh', '-c', 'echo "$HOME"']), '/inside-home\n');
});

test('inject and contain give CMD only fds 0-2, whatever the caller passes', async (t) => {
  const c = await startContainer(t, ['-c', busyboxRoot(t), 'sleep', '1000'], { ready: 'sleep' });
  // A tree of its own: one tree runs one container at a time.
  const other = busyboxRoot(t);
  const r = run('/bin/sh', ['-c', 'exec 3</dev/null 7</dev/null 9</dev/null; '
    + `${BIN.inject} ${c.pid} ls /proc/self/fd; ${BIN.contain} -c ${other} ls /proc/self/fd`]);
  assert.equal(r.stderr, '');
  // ls has its own fd 3, on the directory it lists.
  assert.equal(r.stdout.split(/\s+/).filter(Boolean).join(' '), '0 1 2 3 0 1 2 3');
});
