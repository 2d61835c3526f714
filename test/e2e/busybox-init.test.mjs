// busybox init booting a small system: inittab, sysinit, a respawned
// service, and the shutdown action; poweroff, halt and reboot are busybox
// applets that signal PID 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { initSuite } from './init-suite.mjs';

function version() {
  const banner = spawnSync('busybox', [], { encoding: 'utf8' }).stdout ?? '';
  return /BusyBox (v[\d.]+)/.exec(banner)?.[1] ?? '';
}

initSuite({
  title: 'busybox init',
  root: 'busybox-init',
  distribution: () => `busybox ${version()} (static)`.replace('  ', ' '),
  init: 'busybox init',
  service: /e2e-service/,
  async booted(container) {
    // The sysinit script ran before the respawned service started.
    const sysinit = container.inject(['cat', '/run/sysinit']);
    assert.equal(sysinit.stdout, 'sysinit done\n', sysinit.stderr);
  },
  tools: [{ args: ['ps'], shows: [/^\s*1 \S+\s.*init/m, /e2e-service/] }],
  ps: ['ps'],
  poweroff: [['poweroff'], ['halt']],
  reboot: ['reboot'],
  notes: ['inittab with sysinit, respawn and shutdown actions'],
});
