/**
 * The default stop signal, as data for the supervisor: inits each shut
 * down on a signal of their own and ignore (or misread) SIGTERM. The
 * supervisor looks at what PID 1 runs when it is asked to stop, not at
 * what it started: an init may have exec'd another (runit-init execs
 * runit).
 */
import { signalNumber } from '@rootless-containers/core';

export interface StopRule {
  /** The basename of PID 1's executable. */
  exe: string;
  /** The basename of its argv[0] (after "busybox", its applet); '' for any. */
  argv0: string;
  signal: number;
}

export const DEFAULT_STOP_SIGNAL = 15;

/**
 * SIGRTMIN+3 (halt) for systemd; SIGUSR2 (power off) for busybox init;
 * SIGINT (ctrl-alt-del) for sysvinit and runit, whose configurations
 * shut down or reboot on it; SIGTERM for anything else.
 */
export const STOP_RULES: StopRule[] = [
  { exe: 'systemd', argv0: '', signal: signalNumber('SIGRTMIN+3')! },
  { exe: 'busybox', argv0: 'init', signal: signalNumber('SIGUSR2')! },
  { exe: 'busybox', argv0: 'linuxrc', signal: signalNumber('SIGUSR2')! },
  { exe: 'runit', argv0: '', signal: signalNumber('SIGINT')! },
  // Debian's /sbin/init, which execs runit: known from the start, so that
  // the console never becomes runit's controlling terminal.
  { exe: 'runit-init', argv0: '', signal: signalNumber('SIGINT')! },
  { exe: 'init', argv0: '', signal: signalNumber('SIGINT')! },
];
