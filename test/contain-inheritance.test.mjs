// What passes from contain's caller into the container: only fds 0-2,
// and none of the host's environment.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { busyboxRoot, cli, finished, until } from './helpers.mjs';
import { pid1Of, startContain } from './contain-support.mjs';

/** `ls /proc/self/fd` as one line: ls's own directory fd is the 3. */
const LIST_FDS = 'echo $(ls /proc/self/fd)';

test('only fds 0, 1 and 2 reach PID 1 and the -i and -o commands', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // The caller holds fds 3, 4 and 40 open, not close-on-exec.
  const stdio = Array.from({ length: 41 }, (_, fd) => (fd < 5 || fd === 40 ? 'pipe' : 'ignore'));
  const child = startContain(t, ['-c', '-i', `echo "i: $(${LIST_FDS})"`, '-o', `echo "o: $(${LIST_FDS})"`,
    root, '/bin/sh', '-c', `echo "pid1: $(${LIST_FDS})"`], { stdio });
  const r = await finished(child);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  for (const who of ['i', 'o', 'pid1']) {
    assert.match(r.stdout, new RegExp(`^${who}: 0 1 2 3$`, 'm'), `${who} got other fds:\n${r.stdout}`);
  }
});

test('PID 1 itself holds only fds 0, 1 and 2, seen from the host', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const stdio = Array.from({ length: 41 }, (_, fd) => (fd < 5 || fd === 40 ? 'pipe' : 'ignore'));
  for (const flags of [['-c'], []]) {
    const child = startContain(t, [...flags, root, '/bin/sleep', '100'], { stdio });
    const done = finished(child);
    const pid1 = await pid1Of(child.pid);
    assert.ok(pid1, 'PID 1 did not start');
    // Seen in the middle of its execve(), PID 1 may still hold the fds
    // that exec is closing: what counts is what it holds once running.
    const fds = () => readdirSync(`/proc/${pid1}/fd`).map(Number).sort((a, b) => a - b);
    await until(() => fds().length === 3, 2000);
    assert.deepEqual(fds(), [0, 1, 2]);
    child.kill('SIGKILL');
    await done;
  }
});

function environ(root, flags, env) {
  const r = cli('contain', [...flags, root, '/bin/sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ; true'],
    { env, input: '' });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  return r.stdout.replace(/\r/g, '').trim().split('\n').sort();
}

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

test('PID 1\'s environment is container=contain and PATH, nothing of the host\'s', (t) => {
  const root = busyboxRoot(t);
  const env = environ(root, ['-c'], { HOST_MARKER: 'leaked', TERM: 'xterm-marker' });
  assert.deepEqual(env, [PATH, 'container=contain']);
});

test('with a console PID 1 also gets the caller\'s TERM', (t) => {
  const root = busyboxRoot(t);
  assert.deepEqual(environ(root, [], { HOST_MARKER: 'leaked', TERM: 'xterm-marker' }),
    [PATH, 'TERM=xterm-marker', 'container=contain']);
  assert.deepEqual(environ(root, [], { HOST_MARKER: 'leaked' }), [PATH, 'TERM=linux', 'container=contain']);
});
