// The -i and -o helper commands: where and when they run, what they see,
// and how their failure aborts the start without leaving anything behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { busyboxRoot, cli, finished, scratch, start, until } from './helpers.mjs';
import { hostMountPoints, livingIn, startContain, writeAs } from './contain-support.mjs';

test('-i runs in the new namespaces, in DIR, before the pivot: a bind mount shows a host directory', (t) => {
  const root = busyboxRoot(t);
  const host = scratch(t);
  writeAs(join(host, 'note'), 'from the host\n');
  const r = cli('contain', ['-c', '-i', `pwd; cat /proc/self/uid_map; mkdir -p data; mount --bind ${host} data`,
    root, '/bin/sh', '-c', 'cat /data/note; echo $$']);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], realpathSync(root));
  assert.match(lines[1], /^\s*0\s+\d+\s+1$/);
  assert.deepEqual(lines.slice(-2), ['from the host', '1']);
  // The bind was made in the container's mount namespace only.
  assert.ok(!hostMountPoints().includes(join(realpathSync(root), 'data')));
});

test('what -i leaves running is ended before PID 1 starts: no host program or environment inside', (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-c', '-i', '(sleep 100 </dev/null >/dev/null 2>&1 &); setsid sleep 100 </dev/null >/dev/null 2>&1 & sleep 0.2',
    root, '/bin/sh', '-c', 'for p in /proc/[0-9]*; do echo "${p#/proc/}"; done']);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  // The shell's glob runs no process of its own: PID 1 alone.
  assert.equal(r.stdout, '1\n');
});

test('-o runs on the host before PID 1, with CONTAIN_PID the host pid of PID 1', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const out = join(scratch(t), 'outside');
  const started = join(root, 'tmp/started');
  const child = startContain(t, ['-c', '-o',
    `{ echo "$CONTAIN_PID"; cat /proc/$CONTAIN_PID/uid_map; test -e ${started} && echo too-late; true; } > ${out}`,
    root, '/bin/sh', '-c', 'touch /tmp/started; exec sleep 100']);
  const done = finished(child);
  assert.ok(await until(() => existsSync(started), 15_000), 'PID 1 did not start');
  const [pid, map, ...rest] = readFileSync(out, 'utf8').trim().split('\n');
  // PID 1 is contain's only child.
  const pgrep = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' });
  assert.deepEqual(pgrep.stdout.trim().split('\n'), [pid]);
  assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m);
  // The maps were written before -o ran, and PID 1 had not started.
  assert.match(map, /^\s*0\s+\d+\s+1$/);
  assert.deepEqual(rest.filter((l) => l === 'too-late'), []);
  child.kill('SIGKILL');
  await done;
});

test('a failing -i aborts with its status, before PID 1, leaving no process or mount', (t) => {
  const root = busyboxRoot(t);
  const mounts = hostMountPoints();
  const r = cli('contain', ['-c', '-i',
    'readlink /proc/self/ns/pid > tmp/ns; sleep 100 & mount -t tmpfs tmpfs tmp; exit 3',
    root, '/bin/touch', '/tmp/pid1-ran']);
  assert.equal(r.status, 3);
  assert.equal(r.stderr, 'contain: the -i command failed with status 3\n');
  assert.ok(!existsSync(join(root, 'tmp/pid1-ran')));
  const namespace = readFileSync(join(root, 'tmp/ns'), 'utf8').trim();
  assert.deepEqual(livingIn(namespace), [], 'the -i command\'s background process survived');
  assert.deepEqual(hostMountPoints(), mounts);
});

test('a failing -o aborts with its status, before PID 1, leaving no process or mount', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const mounts = hostMountPoints();
  const out = join(scratch(t), 'pid');
  const r = cli('contain', ['-c', '-o', `echo $CONTAIN_PID > ${out}; exit 4`, root, '/bin/touch', '/tmp/pid1-ran']);
  assert.equal(r.status, 4);
  assert.equal(r.stderr, 'contain: the -o command failed with status 4\n');
  assert.ok(!existsSync(join(root, 'tmp/pid1-ran')));
  const pid = readFileSync(out, 'utf8').trim();
  assert.ok(!existsSync(`/proc/${pid}`), 'PID 1 is still there');
  assert.deepEqual(hostMountPoints(), mounts);
});

test('a helper killed by a signal aborts with 128+N', (t) => {
  const root = busyboxRoot(t);
  for (const option of ['-i', '-o']) {
    const r = cli('contain', ['-c', option, 'kill -KILL $$', root, '/bin/true']);
    assert.equal(r.status, 137, `${option}: ${r.stderr}`);
    assert.equal(r.stderr, `contain: the ${option} command failed with status 137\n`);
  }
});
