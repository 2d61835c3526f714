/**
 * The container's /etc/resolv.conf: the helper's DNS forwarder as its one
 * name server, with the host's search domains. The file is written in the
 * container's entry directory and bound over DIR's (native/resolv.c);
 * DIR's own file is never changed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromSystemError } from '@rootless-containers/core';

export const RESOLV_CONF = 'resolv.conf';

/** The text of the container's resolv.conf for a forwarder address. */
export function resolvConf(mode: string, forwarder: string, host = '/etc/resolv.conf'): string {
  let search: string[] = [];
  try {
    // The host's search domains still make sense inside; its name
    // servers may be loopback addresses that mean nothing there.
    search = readFileSync(host, 'utf8').split('\n').filter((l) => /^\s*(search|domain)\s/.test(l)).map((l) => l.trim());
  } catch {
    // No resolv.conf on the host: no search domains.
  }
  return [`# Written by contain: the DNS forwarder of ${mode}, which asks the host's name servers.`,
    `nameserver ${forwarder}`, ...search, ''].join('\n');
}

/** Writes the file into dir; returns its path. */
export function writeResolvConf(dir: string, mode: string, forwarder: string): string {
  const path = join(dir, RESOLV_CONF);
  try {
    writeFileSync(path, resolvConf(mode, forwarder), { mode: 0o644 });
  } catch (error) {
    throw fromSystemError(`write ${path}`, error);
  }
  return path;
}
