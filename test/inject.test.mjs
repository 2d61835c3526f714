// inject PID [CMD [ARG]...]: joining a running container, as the test user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  AS_ROOT, BIN, NOSUB_USER, TEST_USER, account, busyboxRoot, cli, finished, needs, start, until,
} from './helpers.mjs';
import { comm, namespacesOf, startContainer } from './inject-container.mjs';

/** Writes a file in a container root, owned by the container's user. */
function put(root, path, text, mode = 0o644, user = TEST_USER) {
  const file = join(root, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
  if (AS_ROOT) {
    const who = account(user);
    chownSync(file, who.uid, who.gid);
  }
}

/** Runs inject and checks that it printed nothing on stderr. */
function inject(args, options = {}) {
  const r = cli('inject', args, options);
  assert.equal(r.stderr, '', `inject ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const LIST_NAMESPACES = 'cd /proc/self/ns && for f in *; do echo "$f $(readlink $f)"; done';

function parseNamespaces(text) {
  return Object.fromEntries(text.trim().split('\n').map((line) => line.split(' ')));
}

function oneLine(r) {
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  return r.stderr.trim();
}

test('inject runs a command inside a running container', async (t) => {
  const root = busyboxRoot(t);
  put(root, 'etc/hostname', 'injected-box\n');
  put(root, 'usr/local/sbin/only-here', '#!/bin/sh\necho found in the container PATH\n', 0o755);
  const c = await startContainer(t, ['-c', root, 'sh', '-c', 'echo from-container > /tmp/written; exec sleep 1000'],
    { ready: 'sleep' });
  const pid = String(c.pid);

  await t.test('readlink /proc/self/ns/* equals PID 1\'s for every namespace', () => {
    const inside = parseNamespaces(inject([pid, 'sh', '-c', LIST_NAMESPACES]).stdout);
    const init = namespacesOf(c.init);
    assert.deepEqual(inside, init);
    // Not vacuous: every one of them is the container's own, not ours.
    const host = namespacesOf(process.pid);
    for (const name of ['user', 'mnt', 'pid', 'net', 'uts', 'ipc', 'cgroup', 'time']) {
      assert.notEqual(init[name], host[name], name);
    }
  });

  await t.test('ps sees the container\'s processes and itself with a small pid', () => {
    const r = inject([pid, 'sh', '-c', 'echo "me $$"; ps -o pid,comm']);
    const me = Number(/^me (\d+)$/m.exec(r.stdout)[1]);
    assert.ok(me > 1 && me < 100, `pid ${me} inside`);
    const rows = r.stdout.split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows.find(([p]) => p === '1'), ['1', 'sleep']);
    assert.ok(rows.some(([p]) => Number(p) === me), r.stdout);
    assert.ok(rows.length < 10, `only the container's processes:\n${r.stdout}`);
  });

  await t.test('a file written by the container is visible', () => {
    assert.equal(inject([pid, 'cat', '/tmp/written']).stdout, 'from-container\n');
  });

  await t.test('hostname is the container\'s', () => {
    assert.equal(inject([pid, 'hostname']).stdout, 'injected-box\n');
  });

  await t.test('CMD is the container\'s root, in its root directory, in root\'s home', () => {
    const r = inject([pid, 'sh', '-c', 'id -u; pwd; cat /proc/self/uid_map; test -e /bin/busybox && echo busybox; test -e /work || echo no-host-root']);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], '0');
    assert.equal(lines[1], '/root');
    assert.equal(r.stdout.split('\n').slice(2, -3).join('\n'), readFileSync(`/proc/${c.init}/uid_map`, 'utf8').trimEnd());
    assert.deepEqual(lines.slice(-2), ['busybox', 'no-host-root']);
  });

  await t.test('only stdin, stdout and stderr reach CMD', () => {
    // ls has its own fd 3 open on the directory it lists.
    assert.equal(inject([pid, 'ls', '/proc/self/fd']).stdout.split(/\s+/).filter(Boolean).join(' '), '0 1 2 3');
  });

  await t.test('PID 1\'s own pid works too', () => {
    assert.equal(inject([String(c.init), 'hostname']).stdout, 'injected-box\n');
  });

  await t.test('CMD is looked up in the PATH of the container\'s PID 1, not the caller\'s', () => {
    // The caller's PATH has no /usr/local/sbin; the container's has.
    assert.equal(inject([pid, 'only-here'], { env: { PATH: '/usr/bin:/bin' } }).stdout, 'found in the container PATH\n');
  });

  await t.test('the exit status is CMD\'s, 128+N if signal N killed it', () => {
    assert.equal(inject([pid, 'sh', '-c', 'exit 3']).status, 3);
    assert.equal(inject([pid, 'true']).status, 0);
    assert.equal(inject([pid, 'sh', '-c', 'kill -TERM $$']).status, 143);
    assert.equal(inject([pid, 'sh', '-c', 'kill -KILL $$']).status, 137);
  });

  await t.test('a CMD the container does not have is 127, one it cannot run 126', () => {
    const missing = cli('inject', [pid, 'no-such-command']);
    assert.equal(missing.status, 127);
    assert.equal(oneLine(missing), 'inject: no-such-command: command not found');
    const directory = cli('inject', [pid, '/tmp']);
    assert.equal(directory.status, 126);
    assert.match(oneLine(directory), /^inject: cannot run \/tmp: /);
    const plain = cli('inject', [pid, '/etc/hostname']);
    assert.equal(plain.status, 126);
    assert.match(oneLine(plain), /^inject: cannot run \/etc\/hostname: /);
  });

  await t.test('signals sent to inject reach CMD', async () => {
    for (const signal of ['TERM', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2']) {
      const child = start(BIN.inject, [pid, 'sh', '-c',
        `trap 'echo got ${signal}; exit 42' ${signal}; echo ready; while :; do sleep 0.05; done`]);
      const done = finished(child);
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      assert.ok(await until(() => out.includes('ready'), 20_000), `${signal}: CMD started`);
      child.kill(`SIG${signal}`);
      const r = await done;
      assert.equal(r.stdout, `ready\ngot ${signal}\n`, signal);
      assert.equal(r.status, 42, `${signal}: ${r.stderr}`);
    }
  });
});

test('inject enters a container run with --init by name, PID 1 or contain, with the container\'s environment', async (t) => {
  const root = busyboxRoot(t);
  const name = `initbox-${process.pid}`;
  const c = await startContainer(t, ['-c', '--init', '-e', 'GREETING=hi', '--name', name, root, 'sleep', '1000']);
  assert.ok(await until(() => spawnSync('pgrep', ['-P', String(c.init), '-x', 'sleep']).status === 0, 20_000));
  for (const target of [name, String(c.init), String(c.pid)]) {
    const r = inject([target, '/bin/sh', '-c', 'echo "$container $GREETING"; cat /proc/2/comm']);
    assert.deepEqual([r.status, r.stdout], [0, 'contain hi\nsleep\n'], target);
  }
});

test('each kind of wrong PID gets its own message', async (t) => {
  const pidMax = readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim();
  const sleeper = start('sleep', ['1000'], { stdio: 'ignore' });
  const slept = finished(sleeper);
  t.after(async () => { sleeper.kill('SIGKILL'); await slept; });
  // Until setpriv has become the test user and exec'd sleep.
  assert.ok(await until(() => comm(sleeper.pid) === 'sleep'));

  const cases = [
    [[pidMax, 'true'], 125, `inject: no process has pid ${pidMax}`],
    [['1', 'true'], 125, 'inject: process 1 belongs to another user'],
    [[String(sleeper.pid), 'true'], 125, `inject: process ${sleeper.pid} is neither contain nor a container's PID 1`],
    [['abc', 'true'], 125, 'inject: no running container of yours is called abc'],
    [['0'], 64, 'inject: 0: not a pid (see --help)'],
    [['00'], 64, 'inject: 00: not a pid (see --help)'],
    // Not only digits: a name, which may start with a digit.
    [['12x', 'true'], 125, 'inject: no running container of yours is called 12x'],
    [[], 64, 'inject: NAME or PID is missing (see --help)'],
    [['--frob', '1'], 64, 'inject: unknown option --frob (see --help)'],
  ];
  for (const [args, status, message] of cases) {
    const r = cli('inject', args);
    assert.equal(oneLine(r), message, args.join(' '));
    assert.equal(r.status, status, args.join(' '));
  }
});

test('inject refuses to run setuid or setgid', (t) => {
  if (!needs(t, AS_ROOT, 'only root can start a process whose real and effective ids differ')) return;
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin' };
  for (const ids of [['--ruid', TEST_USER], ['--rgid', TEST_USER, '--keep-groups']]) {
    const r = spawnSync('setpriv', [...ids, '--', BIN.inject, '1', 'true'], { encoding: 'utf8', env });
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'inject: refusing to run setuid or setgid\n', ids.join(' '));
    assert.equal(r.status, 125);
  }
});

test('inject joins a container that shares the host\'s network (contain -n)', async (t) => {
  const root = busyboxRoot(t);
  const c = await startContainer(t, ['-n', '-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const inside = parseNamespaces(inject([String(c.pid), 'sh', '-c', LIST_NAMESPACES]).stdout);
  assert.deepEqual(inside, namespacesOf(c.init));
  assert.equal(inside.net, readlinkSync('/proc/self/ns/net'));
  assert.notEqual(inside.user, readlinkSync('/proc/self/ns/user'));
});

test('inject joins a single-mapping container, where setgroups is denied', async (t) => {
  if (!needs(t, account(NOSUB_USER), `a user ${NOSUB_USER} without subordinate ids`)) return;
  const root = busyboxRoot(t, NOSUB_USER);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { user: NOSUB_USER, ready: 'sleep' });
  const r = inject([String(c.pid), 'sh', '-c', `cat /proc/self/uid_map /proc/self/setgroups; id -u; ${LIST_NAMESPACES}`],
    { user: NOSUB_USER });
  const [map, setgroups, uid, ...namespaces] = r.stdout.trim().split('\n');
  assert.deepEqual(map.trim().split(/\s+/), ['0', String(account(NOSUB_USER).uid), '1']);
  assert.equal(setgroups, 'deny');
  assert.equal(uid, '0');
  assert.deepEqual(parseNamespaces(namespaces.join('\n')), namespacesOf(c.init));
});

test('inject into a container booted with busybox init: poweroff ends it, contain exits 0', async (t) => {
  const root = busyboxRoot(t);
  put(root, 'etc/inittab', '::sysinit:/bin/touch /tmp/booted\n::shutdown:/bin/touch /tmp/shut-down\n');
  const c = await startContainer(t, ['-c', root, '/bin/init'], { ready: 'init' });
  assert.ok(await until(() => existsSync(join(root, 'tmp/booted')), 20_000), 'init ran its sysinit action');
  const pid = String(c.pid);
  assert.match(inject([pid, 'ps', '-o', 'pid,comm']).stdout, /^\s*1 init$/m);
  // poweroff signals init and syncs; the shutdown's SIGTERM to every
  // process of the container may end it before it returns (143).
  assert.ok([0, 143].includes(inject([pid, 'poweroff']).status));
  const ended = await c.ended;
  assert.ok(existsSync(join(root, 'tmp/shut-down')), 'init ran its shutdown action');
  assert.equal(ended.status, 0, `contain: ${ended.stderr}; console: ${ended.stdout}`);
});
