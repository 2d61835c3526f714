// Debian bookworm booted by runit-init: stage 1 runs the rcS scripts,
// stage 2 the rc2 ones (cron) and runsvdir (the service); poweroff, halt
// and shutdown mark /run/runit.stopit and wake PID 1 for stage 3.
import { CONTAINER_NOTE, DEBIAN, DEBIAN_TOOLS } from './debian.mjs';
import { initSuite } from './init-suite.mjs';

initSuite({
  title: 'Debian runit',
  root: 'debian-runit',
  distribution: () => DEBIAN,
  init: 'runit-init',
  initCommand: /^runit\b/,
  service: /e2e-service/,
  services: [/\/usr\/sbin\/cron/, /runsvdir/],
  tools: DEBIAN_TOOLS,
  ps: ['ps', 'ax'],
  poweroff: [['poweroff'], ['halt'], ['shutdown', '-h', 'now']],
  reboot: ['reboot'],
  notes: ['getty services removed from runsvdir/default (a container has no virtual consoles)', CONTAINER_NOTE],
});
