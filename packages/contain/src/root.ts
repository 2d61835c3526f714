/**
 * The container's root directory: a real directory, not the host's own
 * root, whose dev, proc and sys (where contain mounts) are directories
 * of its own and never links that could lead contain elsewhere.
 */
import { basename } from 'node:path';
import { files, usageError } from '@rootless-containers/core';
import { Labeled } from './settings';

/** The mount points contain itself needs in every root. */
export const MOUNT_POINTS = ['dev', 'proc', 'sys'];

/** The root as given, for messages: DIR, or FILE:LINE: root DIR. */
export function rootWhere(given: Labeled): string {
  return given.label === 'DIR' ? given.value : `${given.label} ${given.value}`;
}

export function rootDirectory(given: Labeled): string {
  const where = rootWhere(given);
  let real: string;
  try {
    real = files.realpath(given.value);
  } catch {
    throw usageError(`${where}: no such directory`);
  }
  if (!files.stat(real).isDirectory()) throw usageError(`${where}: not a directory`);
  if (real === '/') throw usageError(`${where}: the host's own root cannot be a container's root`);
  for (const point of MOUNT_POINTS) {
    let kind: string | undefined;
    try {
      const s = files.lstat(`${real}/${point}`);
      if (s.isSymbolicLink()) kind = 'a symbolic link';
      else if (!s.isDirectory()) kind = 'not a directory';
    } catch {
      // Missing: contain creates it (or a throwaway layer provides it).
    }
    if (kind) throw usageError(`${where}: /${point} is ${kind}; contain mounts there, so it must be a directory of the root's own`);
  }
  return real;
}

/**
 * A container name from its root's name: DIR's last component, made a
 * valid name (digits alone would be a pid to inject).
 */
export function nameFromRoot(root: string): string {
  const name = basename(root).replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[.-]+/, '').slice(0, 60);
  if (/^[0-9]+$/.test(name)) return `container-${name.slice(0, 50)}`;
  return name || 'container';
}
