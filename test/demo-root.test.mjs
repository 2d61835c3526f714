// scripts/demo-root.sh: a root for contain built from nothing but the host,
// by an unprivileged user, through pseudo; contain boots it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, TEST_USER, account, cli, needs, run, scratch, subids } from './helpers.mjs';

test('demo-root.sh builds, as an unprivileged user, a root that contain boots', (t) => {
  if (!needs(t, subids('/etc/subuid', TEST_USER).length > 0, `${TEST_USER} has subordinate ids`)) return;
  const dir = join(scratch(t), 'demo');
  // pseudo is not in PATH: the script finds this checkout's.
  const built = run('sh', [join(REPO, 'scripts/demo-root.sh'), dir], { env: { PATH: '/usr/bin:/bin' } });
  assert.equal(built.status, 0, built.stderr);

  // Fresh /etc files, not the host's.
  const passwd = readFileSync(join(dir, 'etc/passwd'), 'utf8');
  assert.match(passwd, /^root:x:0:0:root:\/root:\/bin\/bash$/m);
  assert.doesNotMatch(passwd, new RegExp(`^${TEST_USER}:`, 'm'));
  // Everything belongs to root of the container, the caller on the host.
  const me = account(TEST_USER);
  for (const path of ['etc/passwd', 'bin', 'usr/bin/bash']) {
    assert.equal(lstatSync(join(dir, path)).uid, me.uid, `${path} belongs to container root`);
  }
  // Small: the host's /usr/bin is not copied whole.
  const programs = readdirSync(join(dir, 'usr/bin'));
  assert.ok(programs.includes('bash') && programs.includes('ls'));
  assert.ok(programs.length < 100, `${programs.length} programs copied`);
  assert.ok(!programs.includes('node') && !programs.includes('apt'), 'host programs beyond the list stay out');
  // No setuid or setgid file made on the host.
  const setid = run('find', [dir, '-perm', '/6000']).stdout;
  assert.equal(setid, '');

  const booted = cli('contain', ['-c', dir, '/bin/bash', '-c', 'echo $$; id -u; ls /']);
  assert.equal(booted.status, 0, booted.stderr);
  const [pid, uid, ...listing] = booted.stdout.trim().split('\n');
  assert.equal(pid, '1', 'bash is PID 1');
  assert.equal(uid, '0', 'as root');
  for (const entry of ['bin', 'etc', 'lib', 'proc', 'usr']) assert.ok(listing.includes(entry), `ls / shows ${entry}`);
  assert.equal(readlinkSync(join(dir, 'bin')) === 'usr/bin' || lstatSync(join(dir, 'bin')).isDirectory(), true);
});

test('demo-root.sh refuses a directory that is not empty, and leaves it alone', (t) => {
  const dir = scratch(t);
  run('touch', [join(dir, 'keep')]);
  const r = run('sh', [join(REPO, 'scripts/demo-root.sh'), dir]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `demo-root: ${dir} is not empty (to start over: pseudo rm -rf ${dir})\n`);
  assert.deepEqual(readdirSync(dir), ['keep']);
});

test('demo-root.sh run again on a root it made says so and leaves it as it is', (t) => {
  const dir = join(scratch(t), 'demo');
  const first = run('sh', [join(REPO, 'scripts/demo-root.sh'), dir], { timeout: 300_000 });
  assert.equal(first.status, 0, first.stderr);
  const before = run('find', [dir, '-printf', '%p %i %T@\n']).stdout;
  const again = run('sh', [join(REPO, 'scripts/demo-root.sh'), dir]);
  assert.deepEqual([again.status, again.stdout, again.stderr], [0, `demo-root: ${dir} is built already\n`, '']);
  assert.equal(run('find', [dir, '-printf', '%p %i %T@\n']).stdout, before);
});
