// The tests every init-booted root goes through, from a profile saying
// how that distribution's init is driven: it boots to its services,
// `inject` works in it, its hostname and a bind-mounted host directory
// show inside, and it shuts down by an inside command and by SIGTERM to
// contain, with status 0 and nothing left behind. Each file's results
// become its row of the compatibility table.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, TEST_USER, account, finished, run, scratch, start } from '../helpers.mjs';
import { delegatedCgroup } from './cgroup.mjs';
import { recordRow } from './compatibility.mjs';
import { Container } from './container.mjs';
import { rootCopy } from './roots.mjs';

/** contain's documented status when the container reboots itself. */
export const REBOOT_STATUS = 129;

/** Statuses of inject itself failing (usage, setup, command not run). */
const INJECT_FAILURES = [64, 125, 126, 127];

/**
 * Boots a fresh copy of the profile's root; the container is killed (if
 * still running) after the test. Options: args (contain options before
 * DIR), root (an existing copy).
 */
export function boot(t, profile, { args = ['-n'], root, cgroup = profile.cgroup } = {}) {
  const dir = root ?? rootCopy(t, profile.root);
  const container = new Container(dir, {
    args,
    command: profile.command ?? ['/sbin/init'],
    cgroup: cgroup ? delegatedCgroup(t) : undefined,
  });
  t.after(async () => {
    container.kill();
    await container.end();
  });
  return container;
}

/** Runs `inject PID ARGS...` without waiting: resolves when it ends. */
export function injectAsync(container, args) {
  return finished(start(BIN.inject, [String(container.pid), ...args]));
}

function format(command) {
  return `\`${command.join(' ')}\``;
}

/**
 * Ends a container by `how` (a function) and checks contain's status and
 * that nothing is left behind. Returns the seconds from `how` to the end.
 */
async function shutDown(container, how, expected) {
  const asked = Date.now();
  await how();
  const result = await container.end(120_000);
  const seconds = (container.ended - asked) / 1000;
  assert.equal(result.signal, null, `contain was killed by ${result.signal}`);
  assert.equal(result.status, expected,
    `contain's status is ${result.status}, not ${expected}\n${container.output().slice(-3000)}`);
  assert.deepEqual(await container.leftovers(), []);
  return seconds;
}

export function initSuite(profile) {
  const seen = { boots: undefined, injects: undefined, shutdowns: [], notes: [...(profile.notes ?? [])] };

  let tests = 0;
  const ran = () => { seen.ran = (seen.ran ?? 0) + 1; };

  after(() => {
    // A partial run (--test-name-pattern) leaves the table as it was.
    if (seen.ran !== tests) return;
    const stops = seen.shutdowns.length > 0 && seen.shutdowns.every((s) => s.ok);
    const how = seen.shutdowns.map((s) => (s.ok ? `${s.how}: 0 in ${s.seconds.toFixed(1)} s` : `${s.how}: FAILED (${s.why})`));
    const notes = [
      seen.boots === undefined ? 'not booted' : seen.boots ? `first service up ${seen.bootSeconds.toFixed(1)} s after start` : `does not boot: ${seen.bootWhy}`,
      how.length ? `stopped by ${how.join('; ')}` : '',
      seen.reboot ?? '',
      ...seen.notes,
    ].filter(Boolean).join('. ');
    recordRow({
      distribution: profile.distribution(),
      init: profile.init,
      boots: Boolean(seen.boots && seen.injects),
      stops,
      notes: `${notes}.`,
    });
  });

  tests++;
  test(`${profile.title}: contain -n ROOT ${profile.command?.join(' ') ?? '/sbin/init'} boots to its services`, async (t) => {
    ran();
    seen.boots = false;
    const container = boot(t, profile);
    try {
      const init = await container.init();
      assert.match(readFileSync(`/proc/${init}/cmdline`, 'utf8'), profile.initCommand ?? /^(\/sbin\/)?init\b/);
      await container.service(profile.service);
      seen.bootSeconds = (Date.now() - container.started) / 1000;
      for (const other of profile.services ?? []) await container.service(other);
      await profile.booted?.(container);
      // The supervisor is the process `inject $(pgrep contain)` finds.
      const pgrep = run('pgrep', ['-u', TEST_USER, '-x', 'contain']);
      assert.ok(pgrep.stdout.split('\n').includes(String(container.pid)), `pgrep -x contain: ${pgrep.stdout}`);
      seen.boots = true;
    } catch (error) {
      seen.bootWhy = error.message.split('\n')[0];
      throw error;
    }
  });

  tests++;
  test(`${profile.title}: inject runs ${profile.tools.map((c) => c.args[0]).join(', ')} and sees the services`, async (t) => {
    ran();
    seen.injects = false;
    const container = boot(t, profile);
    const service = await container.service(profile.service);
    const id = container.inject(['id']);
    assert.equal(id.status, 0, id.stderr);
    assert.match(id.stdout, /^uid=0\(root\) gid=0\(root\)/);
    for (const tool of profile.tools) {
      const r = container.inject(tool.args);
      assert.equal(r.status, 0, `${tool.args.join(' ')}: ${r.stderr}`);
      for (const pattern of tool.shows) assert.match(r.stdout, pattern, `${tool.args.join(' ')} printed:\n${r.stdout}`);
    }
    // The service's pid inside is not its host pid: ps saw the container's
    // own PID namespace, where the service has a small pid of its own.
    const ps = container.inject(profile.ps);
    const line = ps.stdout.split('\n').find((l) => profile.service.test(l));
    assert.ok(line, `no ${profile.service} in:\n${ps.stdout}`);
    assert.notEqual(Number(line.trim().split(/\s+/)[0]), service.pid);
    seen.injects = true;
  });

  tests++;
  test(`${profile.title}: the hostname from /etc/hostname is set inside, the host's is untouched`, async (t) => {
    ran();
    const before = hostname();
    const container = boot(t, profile);
    await container.service(profile.service);
    const wanted = readFileSync(join(container.root, 'etc/hostname'), 'utf8').trim();
    assert.notEqual(wanted, before);
    const inside = container.inject(['hostname']);
    assert.equal(inside.status, 0, inside.stderr);
    assert.equal(inside.stdout.trim(), wanted);
    assert.equal(hostname(), before);
    assert.equal(readFileSync('/proc/sys/kernel/hostname', 'utf8').trim(), before);
  });

  tests++;
  test(`${profile.title}: contain -i "mkdir -p data; mount --bind $DATA data" shows a host directory at /data`, async (t) => {
    ran();
    const data = scratch(t);
    writeFileSync(join(data, 'from-host'), 'written on the host\n');
    const container = boot(t, profile, { args: ['-i', `mkdir -p data; mount --bind ${data} data`, '-n'] });
    await container.service(profile.service);
    const read = container.inject(['cat', '/data/from-host']);
    assert.equal(read.status, 0, read.stderr);
    assert.equal(read.stdout, 'written on the host\n');
    const write = container.inject(['sh', '-c', 'echo written inside > /data/from-inside']);
    assert.equal(write.status, 0, write.stderr);
    assert.equal(readFileSync(join(data, 'from-inside'), 'utf8'), 'written inside\n');
    // The container's root is the user on the host.
    assert.equal(statSync(join(data, 'from-inside')).uid, account(TEST_USER).uid);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(data), 'the bind mount reached the host');
  });

  for (const command of profile.poweroff) {
    tests++;
  test(`${profile.title}: inject PID ${command.join(' ')} ends contain with status 0, leaving nothing behind`, async (t) => {
    ran();
      const entry = { how: `inject ${format(command)}`, ok: false };
      seen.shutdowns.push(entry);
      const container = boot(t, profile);
      await container.service(profile.service);
      try {
        entry.seconds = await shutDown(container, async () => {
          const r = await injectAsync(container, command);
          assert.ok(!INJECT_FAILURES.includes(r.status), `inject ${command.join(' ')}: ${r.status} ${r.stderr}`);
        }, 0);
        entry.ok = true;
      } catch (error) {
        entry.why = error.message.split('\n')[0];
        throw error;
      }
    });
  }

  tests++;
  test(`${profile.title}: SIGTERM to contain shuts it down: status 0 within the stop timeout, nothing left behind`, async (t) => {
    ran();
    const entry = { how: 'SIGTERM to contain', ok: false };
    seen.shutdowns.push(entry);
    const container = boot(t, profile);
    await container.service(profile.service);
    try {
      entry.seconds = await shutDown(container, () => container.signal('SIGTERM'), 0);
      entry.ok = true;
    } catch (error) {
      entry.why = error.message.split('\n')[0];
      throw error;
    }
  });

  tests++;
  test(`${profile.title}: inject PID ${profile.reboot.join(' ')} ends contain with status ${REBOOT_STATUS}, leaving nothing behind`, async (t) => {
    ran();
    const container = boot(t, profile);
    await container.service(profile.service);
    seen.reboot = `reboot from inside: FAILED`;
    await shutDown(container, async () => {
      const r = await injectAsync(container, profile.reboot);
      assert.ok(!INJECT_FAILURES.includes(r.status), `inject ${profile.reboot.join(' ')}: ${r.status} ${r.stderr}`);
    }, REBOOT_STATUS);
    seen.reboot = `inject ${format(profile.reboot)}: ${REBOOT_STATUS}`;
  });

  return seen;
}
