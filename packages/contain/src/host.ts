import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

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
 */
export function containerHostname(root: string): string | null {
  const file = join(root, 'etc/hostname');
  try {
    // A link could point anywhere on the host: read regular files only.
    if (!lstatSync(file).isFile()) return null;
    const name = readFileSync(file, 'utf8').split('\n')[0].trim();
    return /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(name) ? name : null;
  } catch {
    return null;
  }
}
