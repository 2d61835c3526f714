import { constants, readFileSync } from 'node:fs';
import { files, native } from '@rootless-containers/core';

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
    const dir = files.open(root, constants.O_RDONLY | constants.O_DIRECTORY);
    fd = native().openInRoot(dir, '/etc/hostname');
    files.close(dir);
    if (fd < 0 || !files.fstat(fd).isFile()) return null;
    const start = new Uint8Array(256);
    // Byte by byte: a name of other than ASCII is refused below anyway.
    const name = String.fromCharCode(...start.subarray(0, files.read(fd, start))).split('\n')[0].trim();
    return /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(name) ? name : null;
  } catch {
    return null;
  } finally {
    if (fd >= 0) files.close(fd);
  }
}
