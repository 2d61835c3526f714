// Debian bookworm booted by sysvinit: rcS and rc 2 start cron, inittab
// respawns the service; shutdown, halt, poweroff and telinit ask init
// for runlevel 0, whose scripts end with halt(8).
import { CONTAINER_NOTE, DEBIAN, DEBIAN_TOOLS } from './debian.mjs';
import { initSuite } from './init-suite.mjs';

initSuite({
  title: 'Debian sysvinit',
  root: 'debian-sysvinit',
  distribution: () => DEBIAN,
  init: 'sysvinit-core',
  service: /e2e-service/,
  services: [/\/usr\/sbin\/cron/],
  tools: DEBIAN_TOOLS,
  ps: ['ps', 'ax'],
  poweroff: [['shutdown', '-h', 'now'], ['halt'], ['poweroff'], ['telinit', '0']],
  reboot: ['reboot'],
  notes: ['gettys on tty1-6 commented out of /etc/inittab (a container has no virtual consoles), an empty /etc/inittab.d',
    CONTAINER_NOTE],
});
