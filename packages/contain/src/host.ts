import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { native } from '@rootless-containers/core';

/** Whether the host has a cgroup2 hierarchy to show at /sys/fs/cgroup. */
export function hostHasCgroup2(): boolean {
  try {
    return / - cgroup2 /.test(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return false;
  }
}

/**
 * The container's hostname, from DIR/etc/hostname as a booted machine
 * would set it; null keeps the host's name (in a UTS namespace of its own).
 * The file is found as the container would find it: a link in DIR (such
 * as etc -> /home/me/notes) never leads to a file of the host.
 */
export function containerHostname(root: string): string | null {
  let fd = -1;
  try {
    const dir = openSync(root, constants.O_RDONLY | constants.O_DIRECTORY);
    fd = native().openInRoot(dir, '/etc/hostname');
    closeSync(dir);
    if (fd < 0 || !fstatSync(fd).isFile()) return null;
    const start = Buffer.alloc(256);
    const name = start.toString('utf8', 0, readSync(fd, start)).split('\n')[0].trim();
    return /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(name) ? name : null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
