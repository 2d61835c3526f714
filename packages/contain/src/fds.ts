import { closeSync, readFileSync, readdirSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;

/**
 * Closes the descriptors above 2 that our caller left open for us, before
 * the -o command: Node opens its own close-on-exec, but passes inherited
 * ones on to every process it spawns. (PID 1, the -i command and the map
 * helpers never get them: the C side keeps only 0-2 for those.)
 */
export function closeInheritedFds(): void {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return;
  }
  for (const name of fds) {
    const fd = Number(name);
    if (!(fd > 2)) continue;
    try {
      const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
      if (flags && (parseInt(flags[1], 8) & O_CLOEXEC) === 0) closeSync(fd);
    } catch {
      // The directory's own fd, gone by now.
    }
  }
}
