// CMD lives no longer than inject, and a container that has just ended is
// reported as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, busyboxRoot, cli, start, until, processState as state } from './helpers.mjs';
import { childrenOf } from './contain-support.mjs';
import { comm, startContainer } from './inject-container.mjs';

/** Whether a process is gone, or a zombie. */
const dead = (pid) => state(pid) === undefined || state(pid) === 'Z';

test('inject killed with SIGKILL takes CMD with it, also with no terminal and as another user', async (t) => {
  const root = busyboxRoot(t);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  for (const args of [[], ['-u', '1000']]) {
    // No pipes: a CMD that outlived inject would hold them open.
    const child = start(BIN.inject, [...args, String(c.pid), 'sleep', '1003'], { stdio: 'ignore' });
    const done = new Promise((resolve) => child.on('exit', resolve));
    const cmd = await until(() => childrenOf(child.pid).find((p) => comm(p) === 'sleep'), 20_000);
    assert.ok(cmd, `CMD runs (${args.join(' ')})`);
    // Not vacuous: it is the container's, and it does run meanwhile.
    assert.ok(await until(() => state(cmd) === 'S', 20_000));
    child.kill('SIGKILL');
    await done;
    assert.equal(await until(() => dead(cmd), 20_000), true, `CMD went on after inject ${args.join(' ')} was killed`);
  }
});

test('inject on a container whose PID 1 has just ended says so', async (t) => {
  const root = busyboxRoot(t);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  // Stopped, contain cannot reap PID 1 or exit: PID 1 stays a zombie.
  process.kill(c.pid, 'SIGSTOP');
  t.after(() => { try { process.kill(c.pid, 'SIGCONT'); } catch { /* gone */ } });
  process.kill(c.init, 'SIGKILL');
  assert.ok(await until(() => state(c.init) === 'Z', 20_000), 'PID 1 ended');
  for (const [pid, message] of [
    [c.pid, `inject: the container of process ${c.pid} has ended`],
    [c.init, `inject: process ${c.init}, a container's PID 1, has ended`],
  ]) {
    const r = cli('inject', [String(pid), 'true']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${message}\n`);
    assert.equal(r.status, 125);
  }
  process.kill(c.pid, 'SIGCONT');
  assert.equal((await c.ended).status, 137);
});
