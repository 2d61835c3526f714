// Debian bookworm booted by systemd, in a cgroup2 subtree delegated to
// the user (as systemd's user@.service gives every session): systemd
// needs a cgroup it may write; without one it cannot boot, and says so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needs } from '../helpers.mjs';
import { cannotDelegate } from './cgroup.mjs';
import { DEBIAN, DEBIAN_TOOLS } from './debian.mjs';
import { boot, initSuite } from './init-suite.mjs';

const profile = {
  title: 'Debian systemd',
  root: 'debian-systemd',
  distribution: () => DEBIAN,
  init: 'systemd',
  initCommand: /^\/sbin\/init/,
  service: /e2e-service/,
  services: [/\/usr\/sbin\/cron/, /systemd-journald/],
  tools: DEBIAN_TOOLS,
  ps: ['ps', 'ax'],
  poweroff: [['systemctl', 'poweroff'], ['halt'], ['shutdown', '-h', 'now']],
  reboot: ['systemctl', 'reboot'],
  cgroup: true,
  notes: ['proc-sys-fs-binfmt_misc.automount masked (a container has no /dev/autofs)'],
};

const seen = initSuite(profile);

test('Debian systemd: without a delegated cgroup, systemd refuses to boot and contain returns its status', async (t) => {
  if (!needs(t, !cannotDelegate(), cannotDelegate())) return;
  const container = boot(t, profile, { cgroup: false });
  const result = await container.end(60_000);
  const why = /Failed to create \S+ control group: [^\n\r\x1b]*/.exec(container.output())?.[0];
  assert.ok(why, `systemd did not say why:\n${container.output()}`);
  assert.equal(result.status, 255);
  assert.deepEqual(await container.leftovers(), []);
  seen.notes.push(`needs a cgroup2 subtree delegated to the user (the suite makes one, as systemd's user@.service does); without one systemd stops with "${why.trim()}" and contain with status 255`);
});
