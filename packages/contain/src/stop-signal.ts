/**
 * The default stop signal: inits each shut down on a signal of their own,
 * and ignore (or misread) SIGTERM, so contain looks at what PID 1 runs
 * when it is asked to stop, not at what it started: an init may have
 * exec'd another (runit-init execs runit).
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { signalNumber } from '@rootless-containers/core';

const SIGTERM = 15;

/** The program a process runs and the name it was run by. */
function program(pid: number): { exe: string; argv: string[] } | undefined {
  try {
    const exe = basename(readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, ''));
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
    return { exe, argv: argv.map((a) => basename(a)) };
  } catch {
    return undefined;
  }
}

/**
 * SIGRTMIN+3 (halt) for systemd; SIGUSR2 (power off) for busybox init;
 * SIGINT (ctrl-alt-del) for sysvinit and runit, whose configurations
 * shut down or reboot on it; SIGTERM for anything else.
 */
export function defaultStopSignal(pid: number): number {
  const p = program(pid);
  if (!p) return SIGTERM;
  const name = (text: string) => signalNumber(text) ?? SIGTERM;
  if (p.exe === 'systemd') return name('SIGRTMIN+3');
  if (p.exe === 'busybox') {
    const applet = p.argv[0] === 'busybox' ? p.argv[1] : p.argv[0];
    return applet === 'init' || applet === 'linuxrc' ? name('SIGUSR2') : SIGTERM;
  }
  if (p.exe === 'runit' || p.exe === 'init') return name('SIGINT');
  return SIGTERM;
}
