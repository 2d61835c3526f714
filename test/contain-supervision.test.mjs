// Supervision: the stop signal and its timeout, a second request, the
// statuses of halt, power-off and reboot, and no orphans when contain dies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { busyboxRoot, cli, finished, needs, until } from './helpers.mjs';
import {
  childrenOf, compileStatic, containCommand, giveToTestUser, hasTmux, livingIn, pid1Of, pidNamespace, startContain,
  supervising, Terminal,
} from './contain-support.mjs';

/** Starts contain and resolves once PID 1 printed `ready`. */
async function running(t, args, options = {}) {
  const child = startContain(t, args, options);
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  const ready = await until(() => output.includes('ready'), 15_000);
  assert.ok(ready, 'the container did not start');
  return { child, done, output: () => output };
}

const LOOP = 'echo ready; while :; do sleep 0.1; done';

for (const signal of ['SIGTERM', 'SIGHUP']) {
  test(`${signal} to contain runs PID 1's trap for the stop signal, and contain exits with its status`, { timeout: 60_000 }, async (t) => {
    const root = busyboxRoot(t);
    const c = await running(t, ['-c', root, '/bin/sh', '-c', `trap "echo trapped; exit 3" TERM; ${LOOP}`]);
    c.child.kill(signal);
    const r = await c.done;
    assert.equal(r.status, 3);
    assert.match(c.output(), /^trapped$/m);
  });
}

test('SIGINT is a stop request without a console, and with one fed by a pipe', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  for (const flags of [['-c'], []]) {
    const c = await running(t, [...flags, root, '/bin/sh', '-c', `trap "echo trapped; exit 4" TERM; ${LOOP}`]);
    c.child.kill('SIGINT');
    assert.equal((await c.done).status, 4, `contain ${flags}`);
  }
});

test('--stop-signal chooses the signal PID 1 gets', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await running(t, ['-c', '--stop-signal', 'USR1', root, '/bin/sh', '-c',
    `trap "echo got-term; exit 1" TERM; trap "echo got-usr1; exit 5" USR1; ${LOOP}`]);
  c.child.kill('SIGTERM');
  assert.equal((await c.done).status, 5);
  assert.match(c.output(), /^got-usr1$/m);
  assert.doesNotMatch(c.output(), /got-term/);
});

test('--stop-signal takes the real-time names kill -l prints: RTMIN+N and RTMAX-N, within their range', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // glibc's SIGRTMAX is 64, SIGRTMIN 34: busybox's trap takes the numbers.
  for (const [name, number] of [['RTMAX', 64], ['SIGRTMAX-2', 62], ['rtmin+1', 35]]) {
    const c = await running(t, ['-c', '--stop-signal', name, root, '/bin/sh', '-c',
      `trap "echo got-${number}; exit 6" ${number}; ${LOOP}`]);
    c.child.kill('SIGTERM');
    assert.equal((await c.done).status, 6, name);
    assert.match(c.output(), new RegExp(`^got-${number}$`, 'm'), name);
  }
  for (const name of ['RTMAX+1', 'RTMIN-1', 'RTMAX-31', 'RTMIN+31']) {
    const r = cli('contain', ['-c', '--stop-signal', name, root, '/bin/true']);
    assert.equal(r.status, 64, name);
    assert.equal(r.stderr, `contain: --stop-signal ${name}: not a signal\n`);
  }
});

test('a PID 1 that ignores the stop signal is killed after --stop-timeout', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await running(t, ['-c', '--stop-timeout', '1', root, '/bin/sh', '-c', `trap "" TERM; ${LOOP}`]);
  const namespace = pidNamespace(await pid1Of(c.child.pid));
  const asked = Date.now();
  c.child.kill('SIGTERM');
  // Still running just after the request: the timeout has not passed.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(livingIn(namespace).length > 0, 'killed before the timeout');
  const r = await c.done;
  const waited = Date.now() - asked;
  assert.equal(r.status, 137);
  assert.ok(waited >= 900, `killed after ${waited} ms, before the timeout`);
  // Well before the default of 30 seconds: the option counted.
  assert.ok(waited < 8000, `killed after ${waited} ms`);
  assert.deepEqual(livingIn(namespace), []);
});

test('a second request kills the container at once', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await running(t, ['-c', '--stop-timeout', '600', root, '/bin/sh', '-c', `trap "" TERM; ${LOOP}`]);
  c.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(c.child.exitCode, null, 'contain ended on the first request');
  c.child.kill('SIGTERM');
  assert.equal((await c.done).status, 137);
});

test('SIGKILL to contain leaves no process of the container alive after a second', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await running(t, ['-c', root, '/bin/sh', '-c',
    `(setsid sleep 300 &); (trap "" HUP TERM; sleep 300 &); ${LOOP}`]);
  const namespace = pidNamespace(await pid1Of(c.child.pid));
  assert.ok(await until(() => livingIn(namespace).length >= 4, 5000), 'the background processes did not start');
  // On failure, leave nothing behind.
  t.after(() => livingIn(namespace).forEach((pid) => process.kill(pid, 'SIGKILL')));
  // Not `close`: a surviving process would hold contain's stdout open.
  const exited = new Promise((resolve) => c.child.once('exit', resolve));
  c.child.kill('SIGKILL');
  await exited;
  const gone = await until(() => livingIn(namespace).length === 0, 1000);
  assert.ok(gone, `still alive: ${livingIn(namespace)}`);
});

test('halt and power-off from inside end contain with 0, reboot with 129', (t) => {
  const root = busyboxRoot(t);
  // reboot(2) in a PID namespace ends it: the kernel reports PID 1 killed
  // by SIGINT for halt and power-off, by SIGHUP for a reboot.
  for (const [command, status] of [['poweroff -f', 0], ['halt -f', 0], ['reboot -f', 129]]) {
    for (const flags of [['-c'], []]) {
      const r = cli('contain', [...flags, root, '/bin/sh', '-c', `${command}; sleep 5; exit 9`]);
      assert.equal(r.status, status, `${command} with contain ${flags}: ${r.stderr}`);
      assert.equal(r.stderr, '');
    }
  }
});

test('a reboot while contain stops the container counts as a shutdown: 0', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await running(t, ['-c', root, '/bin/sh', '-c', `trap "reboot -f" TERM; ${LOOP}`]);
  c.child.kill('SIGTERM');
  assert.equal((await c.done).status, 0);
});

test('with a terminal as input, SIGINT to contain is not a stop request', { timeout: 60_000 }, async (t) => {
  if (!needs(t, hasTmux(), 'tmux is not installed')) return;
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  term.type(`${containCommand(root, '/bin/sh', '-c', `trap "echo trapped; exit 6" TERM; ${LOOP}`)}; echo "contain-exit:$?"`);
  assert.ok(await term.waitFor(/^ready\r?$/m), term.screen());
  const shell = Number(term.tmux('display-message', '-p', '#{pane_pid}').trim());
  const contain = childrenOf(shell)[0];
  process.kill(contain, 'SIGINT');
  await new Promise((r) => setTimeout(r, 500));
  assert.doesNotMatch(term.screen(), /contain-exit:\d/);
  process.kill(contain, 'SIGTERM');
  assert.ok(await term.waitFor(/contain-exit:6/), term.screen());
  assert.match(term.screen(), /^trapped\r?$/m);
});

test('the supervisor is named contain, so pgrep finds it', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await running(t, ['-c', root, '/bin/sh', '-c', LOOP]);
  assert.ok(await supervising(c.child.pid), 'contain did not exec its supervisor');
  assert.equal(readFileSync(`/proc/${c.child.pid}/comm`, 'utf8'), 'contain\n');
  const pgrep = spawnSync('pgrep', ['-x', 'contain'], { encoding: 'utf8' });
  assert.ok(pgrep.stdout.trim().split('\n').map(Number).includes(c.child.pid));
  c.child.kill('SIGKILL');
  await c.done;
});

// Reports the first signal it gets, as PID 1 under any name.
const REPORTER = `
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void note(int signal) { got = signal; }
int main(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = note;
  for (int s = 1; s < 65; s++)
    if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD) sigaction(s, &action, NULL);
  printf("ready\\n");
  fflush(stdout);
  while (!got) pause();
  printf("signal %d\\n", (int) got);
  return 0;
}
`;

test('without --stop-signal, PID 1 gets the signal its program shuts down on', { timeout: 120_000 }, async (t) => {
  const root = busyboxRoot(t);
  const reporter = join(root, 'reporter');
  if (!needs(t, compileStatic(t, REPORTER, reporter), 'gcc -static cannot build a test program')) return;
  const SIGRTMIN = 34;
  const cases = [
    ['lib/systemd/systemd', SIGRTMIN + 3],
    ['sbin/init', 2],
    ['sbin/runit', 2],
    ['usr/bin/tini', 15],
    ['bin/server', 15],
  ];
  for (const [path, expected] of cases) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    copyFileSync(reporter, join(root, path));
    giveToTestUser(join(root, path));
    const c = await running(t, ['-c', root, `/${path}`]);
    c.child.kill('SIGTERM');
    const r = await c.done;
    assert.equal(r.status, 0, r.stderr);
    assert.match(c.output(), new RegExp(`^signal ${expected}$`, 'm'), `/${path}`);
  }
});

test('busybox init gets SIGUSR2 by default, and powers off', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  writeFileSync(join(root, 'etc/inittab'), '::respawn:/bin/sh -c "echo ready; sleep 100"\n');
  const c = await running(t, ['-c', root, '/bin/init']);
  c.child.kill('SIGTERM');
  const r = await c.done;
  assert.equal(r.status, 0);
  assert.match(r.stdout + r.stderr, /Requesting system poweroff/);
});

test('a stop request while the container starts is kept for PID 1, not fatal to contain', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // The -o command runs while PID 1 waits to start: contain is its parent.
  const child = startContain(t, ['-c', '--stop-timeout', '2', '-o', 'kill -TERM $PPID; sleep 0.3', root,
    '/bin/sh', '-c', `trap "echo trapped; exit 3" TERM; ${LOOP}`]);
  const r = await finished(child);
  assert.equal(r.signal, null, 'contain died of the signal');
  // PID 1 got the stop signal: its trap ran, or (if it came before the
  // trap was set) it was killed after the stop timeout.
  assert.ok([3, 137].includes(r.status), `status ${r.status}: ${r.stderr}`);
  assert.equal(r.stderr, '');
});

test('each stop request while the container starts counts: a second one kills PID 1 at once', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // PID 1 ignores SIGTERM, and the stop timeout is long: only a second
  // request, which kills, ends it within the test's time.
  const child = startContain(t, ['-c', '--stop-timeout', '1000', '-o', 'kill -TERM $PPID; sleep 0.2; kill -HUP $PPID; sleep 0.2',
    root, '/bin/sh', '-c', `trap "" TERM; ${LOOP}`]);
  const r = await finished(child);
  assert.deepEqual([r.signal, r.status, r.stderr], [null, 137, '']);
});

test('a long --stop-timeout really waits, without a warning; past the bound it is refused', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // 2147484 s is past Node's 32-bit timers: the supervisor's clock must
  // not wrap it into an instant kill.
  const c = await running(t, ['-c', '--stop-timeout', '2147484', root, '/bin/sh', '-c', `trap "" TERM; ${LOOP}`]);
  c.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(c.child.exitCode, null, 'killed long before the timeout');
  c.child.kill('SIGTERM');
  const r = await c.done;
  assert.equal(r.status, 137);
  assert.equal(r.stderr, '');
  for (const value of ['1000000001', '1e9', '-1', 'Infinity']) {
    const refused = cli('contain', ['-c', '--stop-timeout', value, root, '/bin/true']);
    assert.equal(refused.status, 64, value);
    assert.equal(refused.stderr, `contain: --stop-timeout ${value}: not a number of seconds from 0 to 1000000000\n`);
  }
});
