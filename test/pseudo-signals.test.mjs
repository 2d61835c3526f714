// Signals sent to pseudo reach the command it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { BIN, finished, start, until, processState as state, stopForAMoment } from './helpers.mjs';

const FORWARDED = ['TERM', 'HUP', 'INT', 'QUIT', 'USR1', 'USR2'];

/** A shell that says which forwarded signal it got, then exits 3. */
const TRAPS = `${FORWARDED.map((s) => `trap 'echo got ${s}; exit 3' ${s};`).join(' ')}
echo ready; while :; do sleep 0.05; done`;

/** Starts pseudo running TRAPS, sends it `signal` once the traps are set. */
async function deliver(signal) {
  const child = start(BIN.pseudo, ['sh', '-c', TRAPS]);
  const done = finished(child);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  // child.pid is setpriv's pid, which exec'd pseudo: the signal goes to pseudo.
  process.kill(child.pid, `SIG${signal}`);
  return done;
}

for (const signal of FORWARDED) {
  test(`SIG${signal} sent to pseudo reaches the command`, async () => {
    // A few rounds: a signal sent just as the command starts is not lost either.
    for (let round = 0; round < 3; round++) {
      const r = await deliver(signal);
      assert.equal(r.stdout, `ready\ngot ${signal}\n`, r.stderr);
      assert.equal(r.status, 3);
      assert.equal(r.stderr, '');
    }
  });
}

test('a signal the command does not catch ends both, pseudo by the same signal', async () => {
  const child = start(BIN.pseudo, ['sh', '-c', 'echo ready; while :; do sleep 0.05; done']);
  const done = finished(child);
  await new Promise((resolve) => child.stdout.once('data', resolve));
  process.kill(child.pid, 'SIGHUP');
  const r = await done;
  assert.equal(r.signal, 'SIGHUP');
  assert.equal(r.stderr, '');
});

test('after a signal is passed on, the command still reads the stdin it shares with pseudo', async () => {
  // A read interrupted by the trapped signal fails once; reads after it
  // must block for input again, not fail (as on a non-blocking stdin).
  const child = start(BIN.pseudo, ['sh', '-c', `trap 'echo got INT' INT; echo ready; failed=0
    while [ $failed -lt 3 ]; do
      if read line; then echo "read $line"; [ "$line" = two ] && exit 0; else failed=$((failed + 1)); fi
    done; echo "reads failed"; exit 1`]);
  const done = finished(child);
  let stdout = '';
  const seen = (text) => new Promise((resolve) => {
    const look = () => {
      if (!stdout.includes(text)) return;
      child.stdout.off('data', add);
      resolve();
    };
    const add = (d) => { stdout += d; look(); };
    child.stdout.on('data', add);
    look();
  });
  await seen('ready\n');
  process.kill(child.pid, 'SIGINT');
  await seen('got INT\n');
  child.stdin.write('one\n');
  child.stdin.end('two\n');
  const r = await done;
  assert.equal(r.stdout, 'ready\ngot INT\nread one\nread two\n');
  assert.equal(r.status, 0);
});

/** pid, parent, process group and session of a process, from /proc/PID/stat. */
function ids(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return { ppid: Number(f[1]), pgrp: Number(f[2]), sid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether our process group is orphaned (no member's parent is in another
 * group of our session), as under a CI runner with no terminal: the kernel
 * then drops a SIGTSTP to its members, and only SIGSTOP stops them.
 */
function orphanedGroup() {
  const me = ids(process.pid);
  return !readdirSync('/proc').filter((n) => /^\d+$/.test(n)).some((n) => {
    const p = ids(n);
    const parent = p?.pgrp === me.pgrp ? ids(p.ppid) : undefined;
    return parent && parent.pgrp !== me.pgrp && parent.sid === me.sid;
  });
}

for (const detached of [false, true]) {
  test(`a stopped command stops pseudo, and SIGCONT to pseudo continues both${detached ? ', in a session of its own' : ''}`, async (t) => {
    // In a session of its own, pseudo's process group is orphaned: the
    // kernel drops a SIGTSTP to it (to the command too), so pseudo must
    // stop by SIGSTOP when the command was stopped by one.
    const child = start(BIN.pseudo, ['sh', '-c', 'echo $$; exec sleep 1004'], { detached, stdio: ['ignore', 'pipe', 'pipe'] });
    const done = finished(child);
    t.after(() => child.kill('SIGKILL'));
    const cmd = Number(await new Promise((resolve) => child.stdout.once('data', resolve)));
    assert.ok(await until(() => state(cmd) === 'S', 20_000), 'the command runs');
    for (const signal of detached || orphanedGroup() ? ['SIGSTOP'] : ['SIGTSTP', 'SIGSTOP']) {
      process.kill(cmd, signal);
      assert.ok(await until(() => state(child.pid) === 'T', 20_000), `pseudo stopped with the command (${signal})`);
      // And stays so: nothing continues the command behind its back.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(state(cmd), 'T');
      assert.equal(state(child.pid), 'T');
      process.kill(child.pid, 'SIGCONT');
      assert.ok(await until(() => state(cmd) === 'S' && state(child.pid) === 'S', 20_000), 'both run again');
    }
    // A stop for a moment (killall5's) leaves pseudo running.
    await stopForAMoment(cmd);
    assert.equal(state(child.pid), 'S');
    // And pseudo still passes signals on after the stops.
    process.kill(child.pid, 'SIGTERM');
    const r = await done;
    assert.equal(r.signal, 'SIGTERM', r.stderr);
  });
}
