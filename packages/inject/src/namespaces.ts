/**
 * The container's namespaces and root directory as open fds, for
 * ct_join(): opened through the pinned /proc directory of its PID 1.
 */
import { closeSync, openSync, readlinkSync } from 'node:fs';
import { NAMESPACE_ORDER, fromSystemError } from '@rootless-containers/core';
import { Target } from './target';

export interface Entry {
  /** The user namespace, or -1 when we are in it already. */
  user: number;
  /** The others to join, in NAMESPACE_ORDER, without those we share. */
  others: number[];
  root: number;
}

function identity(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Opens the namespace of the container called `name`, or returns -1 when it
 * is ours too (e.g. the host's network with contain -n): joining it would
 * change nothing, and setns() into it could be refused for nothing.
 */
function open(target: Target, name: string): number {
  const theirs = identity(`${target.dir}/ns/${name}`);
  if (theirs === undefined && identity(`/proc/self/ns/${name}`) === undefined) return -1;
  if (theirs === identity(`/proc/self/ns/${name}`)) return -1;
  try {
    return openSync(`${target.dir}/ns/${name}`, 'r');
  } catch (error) {
    throw fromSystemError(`open the container's ${name} namespace`, error);
  }
}

export function openEntry(target: Target): Entry {
  const entry: Entry = { user: -1, others: [], root: -1 };
  try {
    entry.user = open(target, 'user');
    for (const name of NAMESPACE_ORDER) {
      const fd = open(target, name);
      if (fd >= 0) entry.others.push(fd);
    }
    try {
      entry.root = openSync(`${target.dir}/root`, 'r');
    } catch (error) {
      throw fromSystemError("open the container's root directory", error);
    }
  } catch (error) {
    closeEntry(entry);
    throw error;
  }
  return entry;
}

export function closeEntry(entry: Entry): void {
  for (const fd of [entry.user, ...entry.others, entry.root]) {
    if (fd >= 0) closeSync(fd);
  }
}
