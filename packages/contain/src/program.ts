/**
 * What program a command will run inside the root, seen from the host
 * before it starts: the file it resolves to, following links as they
 * resolve inside the root (never out of it), and the name it runs as.
 */
import { basename, posix } from 'node:path';
import { files } from '@rootless-containers/core';
import { STOP_RULES } from './stop-signal';

/** A path inside `root` with every link resolved inside it, or undefined. */
function resolveInside(root: string, path: string): string | undefined {
  let pending = path.split('/').filter(Boolean);
  let resolved: string[] = [];
  for (let links = 0; pending.length > 0;) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const inside = `/${[...resolved, part].join('/')}`;
    let target: string;
    try {
      if (!files.lstat(`${root}${inside}`).isSymbolicLink()) {
        resolved.push(part);
        continue;
      }
      target = files.readlink(`${root}${inside}`);
    } catch {
      return undefined;
    }
    if (++links > 40) return undefined;
    if (target.startsWith('/')) resolved = [];
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return `/${resolved.join('/')}`;
}

/** The file `command` runs from inside root, looked up in PATH as exec does. */
function locate(root: string, file: string, path: string): string | undefined {
  if (file.includes('/')) return resolveInside(root, posix.resolve('/', file));
  for (const dir of path.split(':')) {
    const found = resolveInside(root, posix.join(dir || '.', file));
    if (found) {
      try {
        if (files.lstat(`${root}${found}`).isFile()) return found;
      } catch { /* next */ }
    }
  }
  return undefined;
}

/**
 * Whether a command is one of the inits the stop-signal rules know
 * (systemd, sysvinit, runit, busybox init): the console is then its
 * stdio but not its controlling terminal.
 */
export function isKnownInit(root: string, command: string[], path: string): boolean {
  const file = locate(root, command[0], path);
  if (!file) return false;
  const exe = basename(file);
  const argv0 = basename(command[0]) === 'busybox' ? basename(command[1] ?? '') : basename(command[0]);
  return STOP_RULES.some((rule) => rule.exe === exe && (!rule.argv0 || rule.argv0 === argv0));
}
