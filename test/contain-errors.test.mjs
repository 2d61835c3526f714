// contain's exit statuses: PID 1's own, 128+N for its death by a signal,
// and one line on stderr with a documented status for every failure.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AS_ROOT, BIN, TEST_USER, account, asUser, busyboxRoot, cli, finished, needs, run, scratch, subids } from './helpers.mjs';
import { pid1Of, startContain } from './contain-support.mjs';

/** Asserts a failure: the status, nothing on stdout, one line on stderr. */
function fails(r, status, message) {
  assert.equal(r.stdout, '');
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, /^contain: [^\n]+\n$/, 'not exactly one line');
  assert.match(r.stderr, message);
}

test('contain exits with PID 1\'s exit code', (t) => {
  const root = busyboxRoot(t);
  for (const code of [0, 1, 7, 255]) {
    assert.equal(cli('contain', ['-c', root, '/bin/sh', '-c', `exit ${code}`]).status, code);
    assert.equal(cli('contain', [root, '/bin/sh', '-c', `exit ${code}`]).status, code);
  }
});

test('PID 1 killed by signal N makes contain exit 128+N', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const child = startContain(t, ['-c', root, '/bin/sleep', '100']);
  const done = finished(child);
  const pid1 = await pid1Of(child.pid);
  process.kill(pid1, 'SIGKILL');
  const r = await done;
  assert.equal(r.status, 137);
  assert.equal(r.stderr, '');
});

test('127 when CMD is not in DIR, even if the host has it', (t) => {
  const root = busyboxRoot(t);
  for (const flags of [['-c'], []]) {
    fails(cli('contain', [...flags, root, 'no-such-command']), 127, /^contain: no-such-command: command not found$/m);
    fails(cli('contain', [...flags, root, '/usr/bin/env']), 127, /^contain: \/usr\/bin\/env: command not found$/m);
    fails(cli('contain', [...flags, root, 'node']), 127, /^contain: node: command not found$/m);
  }
});

test('126 when CMD cannot be run', (t) => {
  const root = busyboxRoot(t);
  fails(cli('contain', ['-c', root, '/etc/passwd']), 126, /^contain: cannot run \/etc\/passwd: permission denied$/mi);
  fails(cli('contain', ['-c', root, '/bin']), 126, /^contain: cannot run \/bin: /m);
});

test('64 for usage errors', (t) => {
  const root = busyboxRoot(t);
  const cases = [
    [[], /DIR is missing/],
    [['-x', root], /unknown option -x/],
    [['--nope', root], /unknown option --nope/],
    [['-i'], /option -i needs a value/],
    [['-u', 'zero', root], /-u zero: 'zero' is not START:LOWER:COUNT/],
    [['-g', '0:1:', root], /-g 0:1:: '0:1:' is not START:LOWER:COUNT/],
    [['--stop-signal', 'SIGNOPE', root], /--stop-signal SIGNOPE: not a signal/],
    [['--stop-timeout', 'soon', root], /--stop-timeout soon: not a number of seconds/],
  ];
  for (const [args, message] of cases) fails(cli('contain', args), 64, message);
});

test('DIR missing or not a directory: 64, one line', (t) => {
  const root = busyboxRoot(t);
  fails(cli('contain', [join(root, 'missing')]), 64, new RegExp(`^contain: ${join(root, 'missing')}: no such directory$`, 'm'));
  fails(cli('contain', [join(root, 'etc/passwd')]), 64,
    new RegExp(`^contain: ${join(root, 'etc/passwd')}: not a directory$`, 'm'));
});

/** A host id that is neither the test user's own nor in one of its ranges. */
function notDelegated() {
  const me = account(TEST_USER);
  const ranges = subids('/etc/subuid', TEST_USER);
  const mine = (id) => id === me.uid || ranges.some((r) => id >= r.start && id < r.start + r.count);
  let id = me.uid + 1;
  while (mine(id)) id++;
  return id;
}

test('a DIR container root may not enter is one line saying why: 125', (t) => {
  if (!needs(t, AS_ROOT, 'a directory of root\'s needs root to make')) return;
  const root = busyboxRoot(t);
  chownSync(root, 0, 0);
  chmodSync(root, 0o700);
  const r = cli('contain', ['-c', root, '/bin/true']);
  assert.equal(r.status, 125);
  assert.equal(r.stderr, `contain: mount the root at ${root}: permission denied (container root may not enter it: each `
    + 'directory on the way must be owned by an id mapped in the container or searchable by others (chmod o+x))\n');
});

test('a map beyond the delegated ranges is refused', (t) => {
  const root = busyboxRoot(t);
  const id = notDelegated();
  fails(cli('contain', ['-u', `0:${id}:1`, root, '/bin/true']), 64, new RegExp(`-u 0:${id}:1: host id ${id} is not yours`));
});

test('a multi-range map without newuidmap names the missing helper', (t) => {
  if (!needs(t, AS_ROOT, 'hiding newuidmap needs root')) return;
  const [range] = subids('/etc/subuid', TEST_USER);
  if (!needs(t, range?.count >= 10, `${TEST_USER} has a range of 10 subordinate uids`)) return;
  const root = busyboxRoot(t);
  const me = account(TEST_USER);
  // In a mount namespace of its own, newuidmap is /dev/null, not executable.
  const [file, argv] = asUser(TEST_USER, BIN.contain, ['-c', '-u', `0:${me.uid}:1,1:${range.start}:10`, root, '/bin/true']);
  const r = run('unshare', ['-m', 'sh', '-c', 'mount --bind /dev/null "$(command -v newuidmap)" && exec "$@"', 'sh', file, ...argv],
    { user: 'root' });
  fails(r, 64, /needs newuidmap/);
});

test('user namespaces disabled: 125 and the sysctl in the way', (t) => {
  const root = busyboxRoot(t);
  // user.max_user_namespaces belongs to the user namespace: set to 0 in
  // one of the test user's, it stops contain there without touching the host.
  const r = run('unshare', ['--user', '--map-root-user', 'sh', '-c',
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"', 'sh', BIN.contain, '-c', root, '/bin/true']);
  fails(r, 125, /user namespaces are disabled: sysctl user\.max_user_namespaces is 0/);
});

test('an empty DIR is a usage error that creates nothing in the working directory', (t) => {
  const cwd = scratch(t);
  const r = cli('contain', ['', 'true'], { cwd });
  assert.equal(r.status, 64);
  assert.equal(r.stderr, 'contain: DIR is empty (see --help)\n');
  assert.deepEqual(readdirSync(cwd), []);
});

test('/ as DIR is refused in one line: the host\'s root is no container\'s', () => {
  const r = cli('contain', ['-c', '/', '/bin/true']);
  assert.equal(r.status, 64);
  assert.equal(r.stderr, 'contain: /: the host\'s own root cannot be a container\'s root\n');
});
