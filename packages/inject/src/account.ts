/**
 * The user CMD runs as, from the container's own /etc/passwd and
 * /etc/group, read through its root: a link in it such as /etc/passwd ->
 * /home/x/secret is followed inside the container, never to a host file.
 */
import { closeSync, fstatSync, readFileSync } from 'node:fs';
import { isId, native, parsePasswd, usageError } from '@rootless-containers/core';

/** Larger files are no passwd or group file: they are passed over. */
const MAX_FILE = 4 * 1024 * 1024;

export interface Account {
  uid: number;
  gid: number;
  /** Supplementary groups: the primary one and those listing the user. */
  groups: number[];
  /** The user's name, if the container knows it. */
  name?: string;
  home: string;
  shell: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** A file of the container, or undefined if it has none we can read. */
export function readInRoot(rootFd: number, path: string): string | undefined {
  const fd = native().openInRoot(rootFd, path);
  if (fd < 0) return undefined;
  try {
    const status = fstatSync(fd);
    if (!status.isFile() || status.size > MAX_FILE) return undefined;
    return readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Whether a file exists in the container (resolved inside its root). */
export function existsInRoot(rootFd: number, path: string): boolean {
  const fd = native().openInRoot(rootFd, path);
  if (fd >= 0) closeSync(fd);
  return fd >= 0 || fd !== -2;
}

function parseGroup(text: string): GroupEntry[] {
  return text.split('\n').map((line) => line.split(':'))
    .filter((f) => f.length >= 4 && isId(f[2]))
    .map(([name, , gid, members]) => ({ name, gid: Number(gid), members: members.split(',').filter(Boolean) }));
}

/**
 * The account for -u USER[:GROUP] (undefined: root): names or numbers.
 * A uid the container's /etc/passwd does not know gets gid 0, home / and
 * /bin/sh, but root keeps /root.
 */
export function resolveAccount(rootFd: number, spec: string | undefined): Account {
  const passwd = parsePasswd(readInRoot(rootFd, '/etc/passwd') ?? '');
  const group = parseGroup(readInRoot(rootFd, '/etc/group') ?? '');
  const [userText, groupText] = spec === undefined ? ['0', undefined]
    : spec.includes(':') ? [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)] : [spec, undefined];
  const entry = isId(userText) ? passwd.find((e) => e.uid === Number(userText))
    : passwd.find((e) => e.name === userText);
  if (!entry && !isId(userText)) {
    throw usageError(`-u ${spec}: ${userText === '' ? 'no user given' : `no user ${userText} in the container's /etc/passwd`}`);
  }
  const uid = entry?.uid ?? Number(userText);
  let gid = entry?.gid ?? 0;
  if (groupText !== undefined) {
    const named = isId(groupText) ? undefined : group.find((g) => g.name === groupText);
    if (!isId(groupText) && !named) {
      throw usageError(`-u ${spec}: ${groupText === '' ? 'no group given' : `no group ${groupText} in the container's /etc/group`}`);
    }
    gid = named?.gid ?? Number(groupText);
  }
  const name = entry?.name ?? (uid === 0 ? 'root' : undefined);
  const member = name === undefined ? [] : group.filter((g) => g.members.includes(name)).map((g) => g.gid);
  return {
    uid,
    gid,
    groups: [...new Set([gid, ...member])],
    name,
    home: entry?.home || (uid === 0 ? '/root' : '/'),
    shell: entry?.shell || '/bin/sh',
  };
}
