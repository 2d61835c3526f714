// --init: contain's own minimal PID 1 with CMD as PID 2, which reaps
// orphans and passes signals on; and the console of a known init, which is
// its stdio but not its controlling terminal.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { busyboxRoot, cli, finished, needs, run, until, processState as state } from './helpers.mjs';
import {
  Terminal, childrenOf, compileStatic, containCommand, giveToTestUser, hasTmux, livingIn, pid1Of, pidNamespace,
  startContain,
} from './contain-support.mjs';

/** State letter of a process, or undefined once it is gone. */
test('--init: CMD is PID 2 under an init from memory, and the container ends with its status', (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-c', '--init', root, '/bin/sh', '-c', 'echo "pid $$"; readlink /proc/1/exe; exit 5']);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 5);
  const [pid, exe] = r.stdout.trim().split('\n');
  assert.equal(pid, 'pid 2');
  // No file of the host's: a sealed in-memory copy.
  assert.match(exe, /^\/memfd:contain-init \(deleted\)$/);
  const missing = cli('contain', ['-c', '--init', root, 'no-such-command']);
  assert.equal(missing.status, 127);
  assert.equal(missing.stderr, 'contain: no-such-command: command not found\n');
});

test('--init: no fd of the caller\'s but 0-2 reaches the init or CMD', (t) => {
  const root = busyboxRoot(t);
  // High fds, which Node does not mark close-on-exec at its start; one of
  // them the host's root directory, which the container must never reach.
  const script = `exec 40</ 200</dev/null; ${containCommand('-c', '--init', root, '/bin/sh', '-c',
    'ls -1 /proc/1/fd; echo --; ls -1 /proc/self/fd; cat /proc/1/fd/40/etc/hostname 2>/dev/null')}`;
  for (const console of [false, true]) {
    const r = run('/bin/bash', ['-c', console ? script.replace(" '-c' ", ' ') : script]);
    const [init, command] = r.stdout.split('--');
    assert.deepEqual(init.split(/\s+/).filter(Boolean).filter((fd) => Number(fd) > 2), [], `the init's fds: ${r.stdout}`);
    // ls has its own fd 3, on the directory it lists.
    assert.deepEqual(command.split(/\s+/).filter(Boolean).map(Number), [0, 1, 2, 3], r.stdout);
    assert.notEqual(r.status, 0, 'the host\'s root was reached through the init');
  }
});

test('--init reaps the orphans CMD leaves, and passes signals on to CMD', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // Grandchildren that exit at once, orphaned: without an init that reaps,
  // they stay zombies of PID 1.
  const child = startContain(t, ['-c', '--init', root, '/bin/sh', '-c',
    'trap "echo got-term; exit 9" TERM; for i in 1 2 3 4 5; do (sleep 0.1 &) ; done; echo ready; while :; do sleep 0.1; done']);
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('ready'), 15_000));
  const namespace = pidNamespace(await pid1Of(child.pid));
  // Every orphaned sleep ends, and nothing of the container is a zombie.
  const clean = await until(() => livingIn(namespace).length === 3 && zombiesIn(namespace).length === 0, 5000);
  assert.ok(clean, `left: ${livingIn(namespace).map((p) => `${p}:${state(p)}`)}`);
  // SIGTERM to contain: the stop signal goes to PID 1, which passes it on.
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.status, 9, r.stderr);
  assert.match(output, /^got-term$/m);
});

/** Zombies whose pid namespace is `namespace`, seen from the host. */
function zombiesIn(namespace) {
  return readdirSync('/proc').filter((name) => {
    if (!/^\d+$/.test(name)) return false;
    try {
      return readlinkSync(`/proc/${name}/ns/pid`) === namespace && state(name) === 'Z';
    } catch {
      return false;
    }
  });
}

/** `contain --init DIR sleep 100` typed at a terminal: the terminal and PID 1. */
async function sleepUnderInit(t, command = ['/bin/sleep', '100']) {
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  term.type(`${containCommand('--init', root, ...command)}; echo "init-exit:$?"`);
  const shell = Number(term.tmux('display-message', '-p', '#{pane_pid}').trim());
  const contain = await until(() => childrenOf(shell)[0], 5000);
  const pid1 = await pid1Of(contain);
  await new Promise((r) => setTimeout(r, 500));
  return { term, pid1 };
}

test('contain --init DIR sleep 100 at a terminal: Ctrl-C ends it at once with 130', { timeout: 60_000 }, async (t) => {
  if (!needs(t, hasTmux(), 'tmux is not installed')) return;
  const { term } = await sleepUnderInit(t);
  const started = Date.now();
  term.keys('C-c');
  assert.ok(await term.waitFor(/init-exit:130/, 10_000), term.screen());
  assert.ok(Date.now() - started < 5000, 'not at once');
});

test('contain --init DIR sleep 100 at a terminal: Ctrl-Z leaves nothing stopped, and Ctrl-C still ends it with 130', { timeout: 60_000 }, async (t) => {
  if (!needs(t, hasTmux(), 'tmux is not installed')) return;
  const { term, pid1 } = await sleepUnderInit(t);
  const namespace = pidNamespace(pid1);
  // No shell inside would ever continue a stopped sleep: the console
  // would hang, deaf to Ctrl-C.
  term.keys('C-z');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(livingIn(namespace).filter((pid) => state(pid) === 'T'), [], 'a process is left stopped');
  term.keys('C-c');
  assert.ok(await term.waitFor(/init-exit:130/, 10_000), term.screen());
});

test('contain --init with a shell loop as CMD: Ctrl-Z stops its children too, and all of them go on', { timeout: 60_000 }, async (t) => {
  if (!needs(t, hasTmux(), 'tmux is not installed')) return;
  // The shell waits for its sleep: continued alone, it would wait for good.
  const { term, pid1 } = await sleepUnderInit(t, ['/bin/sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.2; done']);
  const namespace = pidNamespace(pid1);
  term.keys('C-z');
  await new Promise((r) => setTimeout(r, 1000));
  assert.deepEqual(livingIn(namespace).filter((pid) => state(pid) === 'T'), [], 'a process is left stopped');
  const ticks = () => Math.max(0, ...[...term.screen().matchAll(/^tick-(\d+)\r?$/mg)].map((m) => Number(m[1])));
  const before = ticks();
  assert.ok(await until(() => ticks() > before, 5000), `it ticks no more: ${term.screen()}`);
  term.keys('C-c');
  assert.ok(await term.waitFor(/init-exit:130/, 10_000), term.screen());
});

test('without --init, sleep as PID 1 ignores Ctrl-C: what --init is for', { timeout: 60_000 }, async (t) => {
  if (!needs(t, hasTmux(), 'tmux is not installed')) return;
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  term.type(`${containCommand('--stop-timeout', '1', root, '/bin/sleep', '100')}; echo "plain-exit:$?"`);
  const shell = Number(term.tmux('display-message', '-p', '#{pane_pid}').trim());
  const contain = await until(() => childrenOf(shell)[0], 5000);
  await pid1Of(contain);
  await new Promise((r) => setTimeout(r, 500));
  term.keys('C-c');
  await new Promise((r) => setTimeout(r, 1500));
  assert.doesNotMatch(term.screen(), /plain-exit:\d/);
  process.kill(contain, 'SIGTERM');
  assert.ok(await term.waitFor(/plain-exit:137/, 10_000), term.screen());
});

// Reports whether it has a controlling terminal, then waits for signals,
// as PID 1 under the name of an init.
const PROBE = `
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile sig_atomic_t got;
static void note(int signal) { got = signal; }
int main(void) {
  int tty = open("/dev/tty", O_RDWR);
  signal(SIGINT, note);
  signal(SIGTERM, note);
  printf("ctty %s\\n", tty >= 0 ? "yes" : "no");
  fflush(stdout);
  while (got != SIGTERM) {
    pause();
    if (got == SIGINT) { printf("got SIGINT\\n"); fflush(stdout); got = 0; }
  }
  return 0;
}
`;

test('a known init has the console as stdio but not as its controlling terminal: Ctrl-C does not reach it', { timeout: 90_000 }, async (t) => {
  if (!needs(t, hasTmux(), 'tmux is not installed')) return;
  const root = busyboxRoot(t);
  const probe = join(root, 'sbin/init');
  if (!needs(t, compileStatic(t, PROBE, probe), 'gcc -static cannot build a test program')) return;
  copyFileSync(probe, join(root, 'bin/probe'));
  giveToTestUser(join(root, 'bin/probe'));
  // Debian's runit-init, which execs runit.
  mkdirSync(join(root, 'lib/runit'), { recursive: true });
  copyFileSync(probe, join(root, 'lib/runit/runit-init'));
  for (const path of ['lib', 'lib/runit', 'lib/runit/runit-init']) giveToTestUser(join(root, path));
  const term = new Terminal(t);
  const shell = Number(term.tmux('display-message', '-p', '#{pane_pid}').trim());
  // As an init: no controlling terminal, Ctrl-C is a key and no signal.
  for (const [index, init] of ['/sbin/init', '/lib/runit/runit-init'].entries()) {
    term.type(`${containCommand('--stop-signal', 'TERM', root, init)}; echo "init-exit:$?"`);
    const started = await until(() => (term.screen().match(/^ctty \w+\r?$/gm) ?? []).length > index, 15_000);
    assert.ok(started, term.screen());
    assert.equal(term.screen().match(/^ctty \w+\r?$/gm)[index].trim(), 'ctty no', `${init}:\n${term.screen()}`);
    term.keys('C-c');
    await new Promise((r) => setTimeout(r, 1000));
    assert.doesNotMatch(term.screen(), /got SIGINT/, init);
    process.kill(childrenOf(shell)[0], 'SIGTERM');
    assert.ok(await until(() => (term.screen().match(/init-exit:0/g) ?? []).length > index, 15_000), term.screen());
  }
  // The same program under another name is no init: the console is its
  // controlling terminal, and Ctrl-C reaches it.
  term.type(`${containCommand('--stop-signal', 'TERM', root, '/bin/probe')}; echo "probe-exit:$?"`);
  assert.ok(await term.waitFor(/^ctty yes\r?$/m), term.screen());
  term.keys('C-c');
  assert.ok(await term.waitFor(/got SIGINT\r?$/m), term.screen());
  process.kill(childrenOf(shell)[0], 'SIGTERM');
  assert.ok(await term.waitFor(/probe-exit:0/), term.screen());
});
