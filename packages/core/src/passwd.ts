/**
 * passwd(5) files: a container's, which inject reads through its root,
 * and the host's, where pseudo and contain find their caller's name.
 */
import { readFileSync } from 'node:fs';
import { MAX_ID } from './idmap';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

/** Whether text is a uid or gid as passwd and group files write them. */
export const isId = (text: string) => /^\d{1,10}$/.test(text) && Number(text) <= MAX_ID;

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').map((line) => line.split(':'))
    .filter((f) => f.length >= 7 && isId(f[2]) && isId(f[3]))
    .map(([name, , uid, gid, , home, shell]) => ({ name, uid: Number(uid), gid: Number(gid), home, shell }));
}

/**
 * The caller's name and home: their line of the host's /etc/passwd, else
 * what the system's user database says (LDAP, say), as os.userInfo() asks
 * it. The file first: loading `os` costs a start about 0.4 ms of CPU, as
 * Node compiles it from source under the tools' V8 flags (see bin/TOOL).
 */
export function callerAccount(): { name: string; home: string } {
  // The real uid, by which newuidmap checks its caller's delegation
  // (os.userInfo() goes by the effective one, the same but under setuid).
  const uid = process.getuid!();
  let text = '';
  try {
    text = readFileSync('/etc/passwd', 'utf8');
  } catch {
    // No file: the database alone.
  }
  const entry = parsePasswd(text).find((e) => e.uid === uid);
  if (entry) return entry;
  try {
    const { username, homedir } = (require('node:os') as typeof import('node:os')).userInfo();
    return { name: username, home: homedir };
  } catch {
    return { name: String(uid), home: '/' };
  }
}
