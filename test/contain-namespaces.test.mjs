// contain's namespaces: PID 1, its own process list, user ids, hostname
// and network, seen from inside and compared with the host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { test } from 'node:test';
import {
  AS_ROOT, BIN, TEST_USER, account, busyboxRoot, cli, needs, subids, writeFileSync,
} from './helpers.mjs';
import { writeAs } from './contain-support.mjs';

/** Runs a shell script as PID 1 of a container without a console. */
function inside(root, script, options = {}) {
  const r = cli('contain', ['-c', ...(options.flags ?? []), root, '/bin/sh', '-c', script], options);
  assert.equal(r.stderr, '', 'contain printed an error');
  assert.equal(r.status, 0, `the script failed: ${r.stdout}`);
  return r.stdout;
}

function hostLinks() {
  const r = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  return r.stdout.trim().split('\n').map((l) => l.split(':')[1].trim().replace(/@.*/, '')).sort();
}

function links(output) {
  return output.trim().split('\n').filter((l) => /^\d+:/.test(l))
    .map((l) => l.split(':')[1].trim().replace(/@.*/, '')).sort();
}

test('the command is PID 1 of a new PID namespace', (t) => {
  const root = busyboxRoot(t);
  assert.equal(inside(root, 'echo $$').trim(), '1');
  const hostNs = spawnSync('readlink', ['/proc/self/ns/pid'], { encoding: 'utf8' }).stdout.trim();
  assert.notEqual(inside(root, 'readlink /proc/self/ns/pid').trim(), hostNs);
});

test('PID 1 has every capability of its user namespace but CAP_SYS_RAWIO, under --init too', (t) => {
  const root = busyboxRoot(t);
  // A new user namespace starts with every capability the kernel knows.
  const all = (1n << (BigInt(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()) + 1n)) - 1n;
  const rawio = 1n << 17n;
  for (const flags of [[], ['--init']]) {
    const status = inside(root, 'grep -E "^Cap(Bnd|Eff|Prm):" /proc/self/status', { flags });
    for (const field of ['CapBnd', 'CapEff', 'CapPrm']) {
      const value = BigInt(`0x${new RegExp(`^${field}:\\s*(\\w+)$`, 'm').exec(status)[1]}`);
      assert.equal(value, all & ~rawio, `${flags.join(' ')} ${field}: ${value.toString(16)}`);
    }
  }
});

test('ps inside shows only the container\'s processes', (t) => {
  const root = busyboxRoot(t);
  // `; true` keeps the shell from exec'ing ps, so there are two.
  const out = inside(root, 'ps -o pid,ppid,args; true');
  const rows = out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  // PID 1 (its parent is outside: 0) and ps, its child.
  assert.deepEqual(rows.map((r) => r.slice(0, 2)), [['1', '0'], ['2', '1']], out);
  assert.match(out, /^\s*1\s+0 \/bin\/sh -c ps -o pid,ppid,args; true$/m);
  const host = spawnSync('ps', ['-e', '-o', 'pid='], { encoding: 'utf8' }).stdout.trim().split('\n');
  assert.ok(host.length > 2, 'the host has more processes');
});

test('uid_map and gid_map are root and the delegated ranges by default', (t) => {
  const root = busyboxRoot(t);
  const me = account(TEST_USER);
  const expect = (own, ranges) => [[0, own, 1], ...ranges.map((r, i) => [1 + ranges.slice(0, i)
    .reduce((n, x) => n + x.count, 0), r.start, r.count])];
  const parse = (text) => text.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number));
  const out = inside(root, 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map; echo --; id -u; id -g');
  const [uid, gid, ids] = out.split('--\n');
  needs(t, subids('/etc/subuid', TEST_USER).length > 0, `${TEST_USER} has no subordinate uids`);
  assert.deepEqual(parse(uid), expect(me.uid, subids('/etc/subuid', TEST_USER)));
  assert.deepEqual(parse(gid), expect(me.gid, subids('/etc/subgid', TEST_USER)));
  assert.deepEqual(ids.trim().split('\n'), ['0', '0']);
});

test('-u and -g choose the maps', (t) => {
  const root = busyboxRoot(t);
  const me = account(TEST_USER);
  const out = inside(root, 'cat /proc/self/uid_map /proc/self/gid_map',
    { flags: ['-u', `0:${me.uid}:1`, '-g', `0:${me.gid}:1`] });
  assert.deepEqual(out.trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)),
    [[0, me.uid, 1], [0, me.gid, 1]]);
});

test('run by root, contain maps root and the other ids as pseudo does', (t) => {
  if (!needs(t, AS_ROOT, 'contain as root needs the tests to run as root')) return;
  const root = busyboxRoot(t);
  const r = spawnSync(BIN.contain, ['-c', root, '/bin/sh', '-c', 'echo $$; cat /proc/self/uid_map'],
    { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const [pid, ...map] = r.stdout.trim().split('\n');
  assert.equal(pid, '1');
  const pseudo = spawnSync(BIN.pseudo, ['cat', '/proc/self/uid_map'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(pseudo.status, 0, pseudo.stderr);
  assert.deepEqual(map.map((l) => l.trim()), pseudo.stdout.trim().split('\n').map((l) => l.trim()));
});

test('hostname set inside does not change the host\'s', (t) => {
  const root = busyboxRoot(t);
  const before = hostname();
  assert.equal(inside(root, 'hostname inside-x && hostname').trim(), 'inside-x');
  assert.equal(hostname(), before);
});

test('DIR/etc/hostname names the container', (t) => {
  const root = busyboxRoot(t);
  writeAs(`${root}/etc/hostname`, 'boxname\n');
  assert.equal(inside(root, 'hostname').trim(), 'boxname');
  writeFileSync(`${root}/etc/hostname`, 'not a valid name!\n');
  assert.equal(inside(root, 'hostname').trim(), hostname());
});

test('the network namespace has only lo, up', (t) => {
  const root = busyboxRoot(t);
  const out = inside(root, 'ip link');
  assert.deepEqual(links(out), ['lo']);
  assert.match(out, /^1: lo: <[^>]*\bUP\b/m);
  assert.ok(hostLinks().length > 1, 'the host should have more than lo for this test to mean anything');
});

test('-n shares every host link', (t) => {
  const root = busyboxRoot(t);
  assert.deepEqual(links(inside(root, 'ip link', { flags: ['-n'] })), hostLinks());
});

test('IPC and time namespaces are new', (t) => {
  const root = busyboxRoot(t);
  const host = (ns) => spawnSync('readlink', [`/proc/self/ns/${ns}`], { encoding: 'utf8' }).stdout.trim();
  const names = ['ipc', 'uts', 'cgroup', 'mnt', 'user', 'time'];
  const out = inside(root, names.map((n) => `readlink /proc/self/ns/${n}`).join('; ')).trim().split('\n');
  names.forEach((n, i) => assert.notEqual(out[i], host(n), `${n} namespace is the host's`));
});
