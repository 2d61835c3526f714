// What the Debian roots share: the distribution's name in the table and
// the tools the suite runs in them through inject.
export const DEBIAN = 'Debian 12 (bookworm), debootstrap minbase';

export const DEBIAN_TOOLS = [
  { args: ['ps', 'ax'], shows: [/^\s*1 .*init|^\s*1 .*runit/m, /e2e-service/, /cron/] },
  { args: ['apt-get', '--version'], shows: [/^apt \d/] },
];
