// What the Debian roots share: the distribution's name in the table and
// the tools the suite runs in them through inject.
export const DEBIAN = 'Debian 12 (bookworm), debootstrap minbase';

export const DEBIAN_TOOLS = [
  { args: ['ps', 'ax'], shows: [/^\s*1 .*init|^\s*1 .*runit/m, /e2e-service/, /cron/] },
  { args: ['apt-get', '--version'], shows: [/^apt \d/] },
];

/** What in_container (roots/debian.sh) and the README's recipe configure. */
export const CONTAINER_NOTE = 'the boot scripts told they run in a container, as the README\'s Debian recipe does: '
  + 'fstab entries for the root and the file systems contain makes, FSCKTYPES=none, NETDOWN=no, /etc/mtab to '
  + '/proc/mounts, the protected-links sysctls masked';
