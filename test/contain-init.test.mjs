// Booting busybox init as PID 1: sysinit, a respawned service, and a clean
// power-off on the stop signal or from inside.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { busyboxRoot, finished, start, until } from './helpers.mjs';
import { livingIn, pid1Of, pidNamespace, startContain, writeAs } from './contain-support.mjs';

/** A busybox root with an inittab: sysinit, one respawned service, shutdown. */
function bootableRoot(t, extra = '') {
  const root = busyboxRoot(t);
  writeAs(join(root, 'etc/inittab'), [
    '::sysinit:/etc/rc',
    '::respawn:/bin/service',
    '::shutdown:/bin/sh -c "echo down > /tmp/shutdown"',
    extra,
  ].join('\n'));
  writeAs(join(root, 'etc/rc'), '#!/bin/sh\necho "up as $$ of $(cat /proc/1/comm)" > /tmp/sysinit\n', 0o755);
  // Each run logs a line and ends: init starts it again.
  writeAs(join(root, 'bin/service'), '#!/bin/sh\necho "run $$" >> /tmp/service\nsleep 0.2\n', 0o755);
  return root;
}

const runs = (root) => {
  try { return readFileSync(join(root, 'tmp/service'), 'utf8').trim().split('\n').length; } catch { return 0; }
};

async function boot(t, root, args) {
  const child = startContain(t, [...args, root, '/bin/init']);
  const done = finished(child);
  const pid1 = await pid1Of(child.pid);
  if (!pid1) {
    child.kill('SIGKILL');
    const r = await done;
    assert.fail(`init did not start: contain ended with ${r.status ?? r.signal}: ${r.stderr}${r.stdout}`);
  }
  const namespace = pidNamespace(pid1);
  assert.ok(await until(() => runs(root) >= 3, 15_000), 'the service was not respawned');
  return { child, done, namespace };
}

for (const [name, args] of [
  ['SIGUSR2 (power-off)', ['--stop-signal', 'SIGUSR2']],
  ['the default stop signal', []],
  ['SIGTERM, which makes it reboot', ['--stop-signal', 'SIGTERM']],
  ['SIGUSR2 without a console', ['-c', '--stop-signal', 'SIGUSR2']],
]) {
  test(`busybox init boots, respawns its service and shuts down cleanly on ${name}`, { timeout: 60_000 }, async (t) => {
    const root = bootableRoot(t);
    const c = await boot(t, root, args);
    assert.match(readFileSync(join(root, 'tmp/sysinit'), 'utf8'), /^up as \d+ of init$/m);
    const pids = new Set(readFileSync(join(root, 'tmp/service'), 'utf8').trim().split('\n'));
    assert.ok(pids.size >= 3, 'the respawned service should run as new processes');
    assert.ok(!existsSync(join(root, 'tmp/shutdown')));
    c.child.kill('SIGTERM');
    const r = await c.done;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(root, 'tmp/shutdown'), 'utf8'), 'down\n');
    assert.deepEqual(livingIn(c.namespace), []);
  });
}

test('poweroff inside ends the container with 0 after the shutdown actions', { timeout: 60_000 }, async (t) => {
  const root = bootableRoot(t, '::once:/bin/sh -c "while [ ! -s /tmp/service ]; do sleep 0.1; done; sleep 1; poweroff"\n');
  const child = startContain(t, [root, '/bin/init']);
  const r = await finished(child);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(root, 'tmp/shutdown'), 'utf8'), 'down\n');
});

test('reboot inside ends the container with 129', { timeout: 60_000 }, async (t) => {
  const root = bootableRoot(t, '::once:/bin/sh -c "while [ ! -s /tmp/service ]; do sleep 0.1; done; sleep 1; reboot"\n');
  const child = startContain(t, [root, '/bin/init']);
  const r = await finished(child);
  assert.equal(r.status, 129, r.stderr);
  assert.equal(readFileSync(join(root, 'tmp/shutdown'), 'utf8'), 'down\n');
});
