/**
 * inject PID [CMD [ARG]...]: run a command as root inside the running
 * container whose contain process (or PID 1) is PID.
 */
import { accessSync, closeSync, constants } from 'node:fs';
import {
  ConsoleRelay, DEFAULT_STATUSES, FORWARDED, Pty, StepError, explain, relaySignals,
  joinContainer, openPty, parseOptions, shellStatus, usageError, version, waitForExit, native,
} from '@rootless-containers/core';
import { HELP } from './help';
import { Entry, closeEntry, openEntry } from './namespaces';
import { Target, containerPath, findContainer, parsePid, setgroupsAllowed } from './target';

/** Where CMD is looked up when PID 1 has no PATH: contain's own. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** How long output of CMD's leftovers on the pty is still relayed. */
const PTY_GRACE_MS = 200;

/**
 * A setuid or setgid inject would let its caller enter any container, and
 * run the caller's environment with privileges: refuse outright.
 */
function refuseSetid(): void {
  if (process.getuid!() !== process.geteuid!() || process.getgid!() !== process.getegid!()) {
    throw new StepError('refusing to run setuid or setgid');
  }
}

/** The caller's $SHELL if the container has it, else /bin/sh. */
function defaultShell(target: Target): string {
  const shell = process.env.SHELL;
  if (!shell?.startsWith('/')) return '/bin/sh';
  try {
    accessSync(`${target.dir}/root${shell}`, constants.X_OK);
    return shell;
  } catch {
    return '/bin/sh';
  }
}

/** Starts CMD in the container; returns its pid. */
function enter(target: Target, command: string[], pty: Pty | null): number {
  let entry: Entry | undefined;
  try {
    entry = openEntry(target);
    return joinContainer({
      user_fd: entry.user,
      ns_fds: [...entry.others, ...Array(7 - entry.others.length).fill(-1)],
      root_fd: entry.root,
      setgroups: setgroupsAllowed(target) ? 1 : 0,
      console: pty ? pty.slave : -1,
      file: command[0],
      search_path: containerPath(target, DEFAULT_PATH),
      argv: [...command, null],
      envp: [...Object.entries(process.env).map(([k, v]) => `${k}=${v}`), null],
    });
  } finally {
    if (entry) closeEntry(entry);
    closeSync(target.fd);
  }
}

async function run(args: string[]): Promise<number> {
  refuseSetid();
  const options = parseOptions(args, { string: [], boolean: ['h', 'V'], alias: { h: 'help', V: 'version' } });
  if (options.help) return void process.stdout.write(HELP), 0;
  if (options.version) return void process.stdout.write(`inject ${version()}\n`), 0;
  // minimist turns a numeric first operand into a number: take the
  // operands as typed, the tail of args.
  const operands = args.slice(args.length - options._.length);
  if (operands.length === 0) throw usageError('PID is missing', true);
  const [pidText, ...rest] = operands;
  const target = findContainer(parsePid(pidText));
  const command = rest.length > 0 ? rest : [defaultShell(target)];

  // A terminal on stdin gets a pty of its own in between: nothing in the
  // container can then push input into the caller's terminal (TIOCSTI)
  // or keep it open once inject has exited.
  const pty = native().isatty(0) === 1 ? openPty() : null;
  const relay = pty && new ConsoleRelay(pty);
  // Listening before CMD starts: a signal that comes meanwhile waits for
  // the event loop, and then goes to CMD instead of ending inject.
  const signals = relaySignals(FORWARDED);
  const pid = enter(target, command, pty);
  signals.to(pid);
  relay?.start();
  const ending = await waitForExit(pid);
  signals.stop();
  if (relay) {
    // A process CMD left behind may hold the pty open for ever: relay
    // what is pending, then let it go.
    await Promise.race([relay.finish(), new Promise((r) => setTimeout(r, PTY_GRACE_MS))]);
  }
  return shellStatus(ending);
}

export function main(args: string[]): void {
  process.title = 'inject';
  // Exit at once, also on failure: a pty left open must not keep us.
  run(args).then(
    (status) => process.exit(status),
    (error) => process.exit(explain('inject', error, DEFAULT_STATUSES)),
  );
}
