// The tests every init-booted root goes through, from a profile saying
// how that distribution's init is driven: it boots to its services,
// `inject` works in it, its hostname and a bind-mounted host directory
// show inside, it shuts down by inside commands and by SIGTERM to contain
// with status 0 and nothing left behind, a reboot gives contain's
// documented status, and SIGKILL to contain takes it all down. What the
// tests saw becomes the profile's row of the compatibility table.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, TEST_USER, account, finished, run, scratch, start, until } from '../helpers.mjs';
import { cannotDelegate, delegatedCgroup } from './cgroup.mjs';
import { recordRow } from './compatibility.mjs';
import { classify, describe } from './console.mjs';
import { Container } from './container.mjs';
import { rootCopy } from './roots.mjs';

/**
 * contain's status when the container reboots itself unasked (reboot(2)
 * kills PID 1 with SIGHUP): EXIT STATUS in man/contain.1.
 */
export const REBOOT_STATUS = 129;

/** Statuses of inject itself failing (usage, setup, command not run). */
const INJECT_FAILURES = [64, 125, 126, 127];

/**
 * Boots a fresh copy of the profile's root with `contain ARGS ROOT
 * /sbin/init`. After the test the container is destroyed first, then its
 * cgroup and root are removed. cgroup: whether to start contain in a
 * cgroup delegated to the test user (systemd needs one).
 */
export function boot(t, profile, { args = ['-n'], cgroup = profile.cgroup } = {}) {
  let container;
  // After-hooks run in the order they are added: this one first.
  t.after(() => container?.destroy());
  if (cgroup && cannotDelegate()) throw new Error(`cannot delegate a cgroup: ${cannotDelegate()}`);
  const group = cgroup ? delegatedCgroup(t) : undefined;
  container = new Container(rootCopy(t, profile.root), { args, command: ['/sbin/init'], cgroup: group });
  return container;
}

/** Runs `inject PID ARGS...` without waiting: resolves when it ends. */
function injectAsync(container, args) {
  return finished(start(BIN.inject, [String(container.pid), ...args]));
}

/** Asks the container to end by running `command` in it through inject. */
async function fromInside(container, command) {
  const r = await injectAsync(container, command);
  // The command may die with the container: only inject's own failures count.
  assert.ok(!INJECT_FAILURES.includes(r.status), `inject ${command.join(' ')}: ${r.status} ${r.stderr}`);
}

/**
 * Ends a container by `how`, then checks contain's status and that
 * nothing is left behind. Returns the seconds from `how` to the end.
 */
async function shutDown(container, how, expected) {
  const asked = Date.now();
  await how();
  const result = await container.end(120_000);
  assert.equal(result.signal, null, `contain was killed by ${result.signal}`);
  assert.equal(result.status, expected,
    `contain's status is ${result.status}, not ${expected}\n${container.output().slice(-3000)}`);
  assert.deepEqual(await container.leftovers(), []);
  return (container.ended - asked) / 1000;
}

const firstLine = (error) => error.message.split('\n')[0];

export function initSuite(profile) {
  const seen = { shutdowns: [], notes: [...(profile.notes ?? [])], passed: new Set(), ran: 0 };
  let declared = 0;

  /** A test whose outcome the table reports under `key`. */
  function scenario(key, name, body) {
    declared++;
    test(`${profile.title}: ${name}`, async (t) => {
      seen.ran++;
      await body(t);
      seen.passed.add(key);
    });
  }

  /** A shutdown test: its time or its failure goes into the notes. */
  function shutdownScenario(name, how, container, expected = 0) {
    const entry = { how: name };
    seen.shutdowns.push(entry);
    return shutDown(container, how, expected).then(
      (seconds) => { entry.seconds = seconds; },
      (error) => { entry.why = firstLine(error); throw error; },
    );
  }

  after(() => {
    // A partial run (--test-name-pattern) leaves the table as it was.
    if (seen.ran !== declared) return;
    const stops = seen.shutdowns.map((s) => (s.why ? `${s.how}: FAILED (${s.why})` : `${s.how}: 0 in ${s.seconds.toFixed(1)} s`));
    const notes = [
      seen.passed.has('boot') ? `first service up ${seen.bootSeconds.toFixed(1)} s after start` : `does not boot: ${seen.bootWhy}`,
      `stopped by ${stops.join('; ')}`,
      seen.passed.has('reboot') ? `\`reboot\` inside: status ${REBOOT_STATUS}` : '`reboot` inside: FAILED',
      seen.passed.has('sigkill') ? '' : 'SIGKILL to contain left processes behind',
      seen.console ? describe(seen.console) : '',
      ...seen.notes,
    ].filter(Boolean);
    recordRow({
      distribution: profile.distribution(),
      init: profile.init,
      boots: seen.passed.has('boot') && seen.passed.has('inject'),
      stops: seen.shutdowns.every((s) => !s.why) && seen.passed.has('sigkill'),
      notes: `${notes.join('. ')}.`,
    });
  });

  scenario('boot', 'contain -n ROOT /sbin/init boots to its services', async (t) => {
    try {
      const container = boot(t, profile);
      const init = await container.init();
      // PID 1 may exec its init in turn (runit-init execs runit): its
      // command line is read until it shows the init, for a few seconds.
      const initCommand = profile.initCommand ?? /^(\/sbin\/)?init\b/;
      const cmdline = () => readFileSync(`/proc/${init}/cmdline`, 'utf8');
      await until(() => initCommand.test(cmdline()), 5000);
      assert.match(cmdline(), initCommand);
      await container.service(profile.service);
      seen.bootSeconds = (Date.now() - container.started) / 1000;
      for (const other of profile.services ?? []) await container.service(other);
      await profile.booted?.(container);
      // The supervisor is the process `inject $(pgrep contain)` finds.
      const pgrep = run('pgrep', ['-u', TEST_USER, '-x', 'contain']);
      assert.ok(pgrep.stdout.split('\n').includes(String(container.pid)), `pgrep -x contain: ${pgrep.stdout}`);
    } catch (error) {
      seen.bootWhy = firstLine(error);
      throw error;
    }
  });

  scenario('inject', `inject runs id, ${profile.tools.map((c) => c.args[0]).join(', ')} and sees the services`, async (t) => {
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
    // ps inside lists the service under its pid in the container's own
    // PID namespace, not under its host pid.
    const ps = container.inject(profile.ps);
    const line = ps.stdout.split('\n').find((l) => profile.service.test(l));
    assert.ok(line, `no ${profile.service} in:\n${ps.stdout}`);
    assert.notEqual(Number(line.trim().split(/\s+/)[0]), service.pid);
  });

  scenario('hostname', 'the hostname from /etc/hostname is set inside, the host\'s is untouched', async (t) => {
    const before = hostname();
    const container = boot(t, profile);
    await container.service(profile.service);
    const wanted = readFileSync(join(container.root, 'etc/hostname'), 'utf8').trim();
    assert.notEqual(wanted, before);
    const inside = container.inject(['hostname']);
    assert.equal(inside.status, 0, inside.stderr);
    assert.equal(inside.stdout.trim(), wanted);
    assert.equal(hostname(), before);
  });

  scenario('data', 'contain -i "mkdir -p data; mount --bind $DATA data" shows a host directory at /data', async (t) => {
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
    scenario('stop', `inject PID ${command.join(' ')} ends contain with status 0, leaving nothing behind`, async (t) => {
      const container = boot(t, profile);
      await container.service(profile.service);
      await shutdownScenario(`\`${command.join(' ')}\` inside`, () => fromInside(container, command), container);
    });
  }

  scenario('stop', 'SIGTERM to contain shuts it down: status 0 within the stop timeout, nothing left behind', async (t) => {
    const container = boot(t, profile);
    await container.service(profile.service);
    await shutdownScenario('SIGTERM to contain', () => container.signal('SIGTERM'), container);
    seen.transcript = container.output();
  });

  // What the SIGTERM test's container printed, from start to end.
  scenario('console', 'the console from start to SIGTERM prints no error line that test/e2e/console.mjs does not explain', () => {
    assert.ok(seen.transcript !== undefined, 'the SIGTERM test booted and stopped the container');
    seen.console = classify(seen.transcript);
    assert.deepEqual(seen.console.unexplained, [], `lines no entry of test/e2e/console.mjs explains:\n${seen.transcript}`);
  });

  scenario('reboot', `inject PID ${profile.reboot.join(' ')} ends contain with status ${REBOOT_STATUS}, leaving nothing behind`, async (t) => {
    const container = boot(t, profile);
    await container.service(profile.service);
    await shutDown(container, () => fromInside(container, profile.reboot), REBOOT_STATUS);
  });

  scenario('sigkill', 'SIGKILL to contain takes the whole container down', async (t) => {
    const container = boot(t, profile);
    await container.service(profile.service);
    container.kill();
    await container.end();
    const gone = await until(() => container.processes().length === 0, 5000);
    assert.ok(gone, `still running after contain was killed:\n${container.processes().map((p) => `${p.pid} ${p.command}`).join('\n')}`);
  });

  return seen;
}
