// The container's file system: a synthetic /dev, its own /proc, /sys and
// cgroup2, and a host mount table and /tmp that it leaves untouched.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AS_ROOT, BIN, TEST_USER, account, asUser, busyboxRoot, cli, finished, needs, run, scratch, start, subids, until,
} from './helpers.mjs';
import { hostMountPoints, mountPointsOf, startContain, tmpEntries, writeAs } from './contain-support.mjs';

/** Runs a script as PID 1; options.console runs it with a console. */
function inside(root, script, options = {}) {
  const flags = [...(options.console ? [] : ['-c']), ...(options.flags ?? [])];
  const r = cli('contain', [...flags, root, '/bin/sh', '-c', script], options);
  assert.equal(r.stderr, '', 'contain printed an error');
  assert.equal(r.status, 0, `the script failed: ${r.stdout}`);
  return r.stdout.replace(/\r\n/g, '\n');
}

const DEVICES = { null: '1,3', zero: '1,5', full: '1,7', random: '1,8', urandom: '1,9', tty: '5,0' };
const LINKS = {
  ptmx: 'pts/ptmx', fd: '/proc/self/fd', stdin: '/proc/self/fd/0', stdout: '/proc/self/fd/1',
  stderr: '/proc/self/fd/2',
};

test('/dev is a tmpfs with the devices, links, pts, shm and the console', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, [
    'ls -1a /dev', 'echo --',
    'for d in null zero full random urandom tty console; do stat -c "%n %F %t,%T" /dev/$d; done', 'echo --',
    'for l in ptmx fd stdin stdout stderr; do echo "$l $(readlink /dev/$l)"; done', 'echo --',
    'cat /proc/self/mountinfo',
  ].join('; '), { console: true });
  const [listing, devices, links, mountinfo] = out.split('--\n');
  const names = listing.trim().split('\n').filter((n) => n !== '.' && n !== '..');
  const required = [...Object.keys(DEVICES), 'console', ...Object.keys(LINKS), 'pts', 'shm'];
  for (const name of required) assert.ok(names.includes(name), `/dev/${name} is missing: ${names}`);
  // Nothing of the host's /dev beyond that (mqueue and core are extras).
  assert.deepEqual(names.filter((n) => !required.includes(n) && n !== 'mqueue' && n !== 'core'), []);

  const hex = (pair) => pair.split(',').map((n) => Number(n).toString(16)).join(',');
  for (const [name, numbers] of Object.entries(DEVICES)) {
    assert.match(devices, new RegExp(`^/dev/${name} character special file ${hex(numbers)}$`, 'm'));
  }
  // The console is a pty slave (major 136 and up).
  assert.match(devices, /^\/dev\/console character special file (8[89a-f]|9[0-9a-f]),/m);
  for (const [name, target] of Object.entries(LINKS)) assert.match(links, new RegExp(`^${name} ${target}$`, 'm'));

  const mounts = mountPointsOf(mountinfo);
  const type = (point) => mounts.filter((m) => m.point === point).map((m) => m.type).pop();
  assert.equal(type('/dev'), 'tmpfs');
  assert.equal(type('/dev/pts'), 'devpts');
  assert.equal(type('/dev/shm'), 'tmpfs');
});

test('the devices work and /dev/pts is a new instance', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, [
    'echo gone > /dev/null && echo null-ok',
    'head -c 4 /dev/zero | od -An -tx1',
    'head -c 32 /dev/urandom | wc -c',
    '(echo x > /dev/full) 2>/dev/null || echo full-refused',
    'ls /dev/pts',
  ].join('; '));
  assert.match(out, /^null-ok$/m);
  assert.match(out, /^ 00 00 00 00$/m);
  assert.match(out, /^32$/m);
  assert.match(out, /^full-refused$/m);
  // The host's ptys are not there: only the new instance's ptmx.
  assert.equal(out.trim().split('\n').pop(), 'ptmx');
});

test('/dev/console is PID 1\'s controlling terminal, stdout and stderr; piped input stays a pipe', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, [
    'tty <&1', 'tty <&2',
    '(: < /dev/tty) 2>/dev/null && echo has-ctty',
    'readlink /proc/1/fd/0',
  ].join('; '), { console: true });
  const lines = out.trim().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['/dev/console', '/dev/console', 'has-ctty']);
  assert.match(lines[3], /^(pipe|socket):\[\d+\]$/);
});

test('-c gives no console: PID 1 has contain\'s stdio, no /dev/console, no controlling terminal', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, 'ls /dev/console 2>&1; (: < /dev/tty) 2>/dev/null || echo no-ctty; readlink /proc/1/fd/1');
  assert.match(out, /No such file or directory/);
  assert.match(out, /^no-ctty$/m);
  assert.match(out, /^(pipe|socket):\[\d+\]$/m);
});

test('/proc is the new PID namespace\'s', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, 'ls /proc | grep -E "^[0-9]+$"; echo --; grep " /proc " /proc/self/mountinfo; cat /proc/1/cmdline; true');
  const [pids, rest] = out.split('--\n');
  // PID 1, ls and grep: nothing of the host's.
  assert.ok(pids.trim().split('\n').every((p) => Number(p) < 10), pids);
  assert.ok(pids.trim().split('\n').includes('1'));
  assert.match(rest, / \/proc \S+ (.* )?- proc proc /);
  assert.match(rest, /\/bin\/sh\0-c\0/);
});

test('/sys is a new read-only sysfs showing the container\'s network', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, 'ls /sys/class/net; echo --; cat /proc/self/mountinfo; echo --; touch /sys/kernel/x 2>&1; true');
  const [nets, mountinfo, touch] = out.split('--\n');
  assert.deepEqual(nets.trim().split('\n'), ['lo']);
  const sys = mountPointsOf(mountinfo).find((m) => m.point === '/sys');
  assert.equal(sys.type, 'sysfs');
  assert.match(sys.options, /^ro\b/);
  assert.match(touch, /Read-only file system/);
});

test('-n binds the host\'s /sys read-only, with every mount below it', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, 'ls /sys/class/net; echo --; cat /proc/self/mountinfo; echo --; touch /sys/kernel/x 2>&1; true',
    { flags: ['-n'] });
  const [nets, mountinfo, touch] = out.split('--\n');
  assert.deepEqual(nets.trim().split('\n').sort(), readdirSync('/sys/class/net').sort());
  const below = mountPointsOf(mountinfo).filter((m) => m.point === '/sys' || m.point.startsWith('/sys/'));
  assert.ok(below.length > 0);
  for (const m of below) {
    // Only the container's own cgroup2 is writable.
    if (m.point === '/sys/fs/cgroup' && m.type === 'cgroup2') continue;
    assert.match(m.options, /^ro\b/, `${m.point} is not read-only`);
  }
  assert.match(touch, /Read-only file system/);
});

function hostCgroup2() {
  return /^\S+ \S+ \S+ \S+ (\S+) .* - cgroup2 /m.exec(readFileSync('/proc/self/mountinfo', 'utf8'))?.[1];
}

for (const flags of [[], ['-n']]) {
  test(`cgroup2 is mounted at /sys/fs/cgroup${flags.length ? ' with -n' : ''}`, (t) => {
    if (!needs(t, hostCgroup2() !== undefined, 'the host has no cgroup2 hierarchy')) return;
    const root = busyboxRoot(t);
    const out = inside(root, 'cat /proc/self/mountinfo; echo --; grep "^0::" /proc/self/cgroup; ls /sys/fs/cgroup',
      { flags });
    const [mountinfo, rest] = out.split('--\n');
    const top = mountPointsOf(mountinfo).filter((m) => m.point === '/sys/fs/cgroup').pop();
    assert.equal(top.type, 'cgroup2');
    // A new cgroup namespace: the container's cgroup is its root.
    assert.match(rest, /^0::\/$/m);
    assert.match(rest, /^cgroup\.procs$/m);
  });
}

test('the host\'s root is gone: only DIR and the container\'s own mounts are there', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, 'ls -a /; echo --; cat /proc/self/mountinfo');
  const [listing, mountinfo] = out.split('--\n');
  assert.deepEqual(listing.trim().split('\n').sort(), ['.', '..', ...readdirSync(root)].sort());
  const own = /^\/(dev(\/(pts|shm|mqueue|null|zero|full|random|urandom|tty))?|proc|sys(\/fs\/cgroup)?)?$/;
  for (const m of mountPointsOf(mountinfo)) assert.match(m.point, own, `a host mount is visible: ${m.point}`);
});

test('DIR is bound with the mounts below it', (t) => {
  if (!needs(t, AS_ROOT, 'mounting below DIR needs root')) return;
  const root = busyboxRoot(t);
  mkdirSync(join(root, 'mnt'));
  // In a mount namespace of the test's own, so the host's table is untouched.
  const [file, argv] = asUser(TEST_USER, BIN.contain, ['-c', root, '/bin/cat', '/mnt/inner']);
  const r = run('unshare', ['-m', 'sh', '-c', `mount -t tmpfs tmpfs ${root}/mnt && echo below > ${root}/mnt/inner && exec "$@"`,
    'sh', file, ...argv], { user: 'root' });
  assert.equal(r.stderr, '');
  assert.deepEqual([r.status, r.stdout], [0, 'below\n']);
});

test('the host mount table is the same before, during and after, and /tmp gets nothing', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const shared = scratch(t);
  writeAs(join(shared, 'from-host'), 'visible\n');
  const tmpdir = join(scratch(t), 'tmpdir');
  mkdirSync(tmpdir);
  const before = hostMountPoints();
  const tmpBefore = tmpEntries();
  const child = startContain(t, ['-c', '-i', `mkdir -p data && mount --bind ${shared} data`, root,
    '/bin/sh', '-c', 'cat /data/from-host; mkdir -p /mnt; mount -t tmpfs tmpfs /mnt; echo ready; exec sleep 100'],
  { env: { TMPDIR: tmpdir } });
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('ready'), 15_000), 'the container did not start');
  assert.match(output, /^visible$/m);
  assert.deepEqual(hostMountPoints(), before, 'the mount table changed while the container ran');
  child.kill('SIGKILL');
  await done;
  await until(() => JSON.stringify(hostMountPoints()) === JSON.stringify(before), 2000);
  assert.deepEqual(hostMountPoints(), before, 'the mount table changed after the container');
  assert.deepEqual(readdirSync(tmpdir), []);
  assert.deepEqual(tmpEntries().filter((n) => !tmpBefore.includes(n) && ownedByTestIds(n)), []);
});

test('a failing start leaves no mount and nothing in /tmp', (t) => {
  const root = busyboxRoot(t);
  const before = hostMountPoints();
  const tmpBefore = tmpEntries();
  for (const args of [
    ['-i', 'mount -t tmpfs tmpfs dev; exit 3', root],
    ['-o', 'exit 4', root],
    [root, '/no/such/command'],
    [join(root, 'missing')],
  ]) {
    const r = cli('contain', ['-c', ...args]);
    assert.notEqual(r.status, 0);
    assert.deepEqual(hostMountPoints(), before, `contain ${args.join(' ')} changed the mount table`);
  }
  assert.deepEqual(tmpEntries().filter((n) => !tmpBefore.includes(n) && ownedByTestIds(n)), []);
});

/** Whether a /tmp entry belongs to the test user or its subordinate ids. */
function ownedByTestIds(name) {
  let uid;
  try { uid = statSync(join('/tmp', name)).uid; } catch { return false; }
  if (uid === account(TEST_USER).uid) return true;
  return subids('/etc/subuid', TEST_USER).some((r) => uid >= r.start && uid < r.start + r.count);
}
