/**
 * inject PID [CMD [ARG]...]: run a command inside the running container
 * whose contain process (or PID 1) is PID, as its root or another user.
 */
import { closeSync } from 'node:fs';
import {
  ConsoleRelay, DEFAULT_STATUSES, FORWARDED, Pty, STDIO_ALL, StepError, checkCommand, endLike, explain, findRunning, joinContainer, native,
  STOP_GRACE_MS, isSetting, ownStopSignal, parseOptions, relaySignals, shellStatus, usageError, version, waitForExit,
} from '@rootless-containers/core';
import { Account, existsInRoot, resolveAccount } from './account';
import { HELP } from './help';
import { Entry, closeEntry, openEntry } from './namespaces';
import {
  Target, endedError, environment, findContainer, hasEnded, mapped, parsePid, setgroupsAllowed,
} from './target';

/** Where CMD is looked up when the environment has no PATH: contain's own. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** How long output of CMD's leftovers on the pty is still relayed. */
const PTY_GRACE_MS = 200;
const SIGKILL = 9;
const SIGTSTP = 20;

/**
 * A setuid or setgid inject would let its caller enter any container, and
 * run the caller's environment with privileges: refuse outright.
 */
function refuseSetid(): void {
  if (process.getuid!() !== process.geteuid!() || process.getgid!() !== process.getegid!()) {
    throw new StepError('refusing to run setuid or setgid');
  }
}

/** The -e VAR=VALUE options, checked. */
function parseSettings(values: string[]): string[] {
  for (const setting of values) {
    if (!isSetting(setting)) throw usageError(`-e ${setting}: not VAR=VALUE`);
  }
  return values;
}

/**
 * CMD's environment: that of the container's PID 1 (its PATH, its
 * container=contain), the caller's TERM, the user's HOME, USER, LOGNAME
 * and SHELL, then the -e settings. Nothing else of the caller's.
 */
function commandEnvironment(target: Target, account: Account, settings: string[]): string[] {
  const entries = environment(target);
  if (process.env.TERM !== undefined) entries.push(`TERM=${process.env.TERM}`);
  entries.push(`HOME=${account.home}`);
  // A name alone takes the variable away.
  for (const name of ['USER', 'LOGNAME']) entries.push(account.name === undefined ? name : `${name}=${account.name}`);
  entries.push(`SHELL=${account.shell}`);
  return lastOfEach([...entries, ...settings]);
}

/**
 * Each variable's last entry, in the order the names first came. Sorted,
 * not put in a Map: PID 1 chose the names, and a table hashed with the
 * seed the tools start V8 with (bin/inject), which is known in advance,
 * is one a hostile PID 1 could fill with colliding names. Sorting takes n
 * log n comparisons whatever the names are.
 */
function lastOfEach(entries: string[]): string[] {
  const names = entries.map((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e));
  const order = entries.map((_, i) => i).sort((a, b) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b));
  const kept: [number, string][] = [];
  for (let i = 0; i < order.length; i++) {
    const first = order[i];
    while (i + 1 < order.length && names[order[i + 1]] === names[first]) i++;
    const last = entries[order[i]];
    if (last.includes('=')) kept.push([first, last]);
  }
  return kept.sort(([a], [b]) => a - b).map(([, entry]) => entry);
}

/** A variable's value in an environment of one entry per name, if it is there. */
function valueOf(env: string[], name: string): string | undefined {
  return env.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
}

/** Checks that the account's ids exist in the container's user namespace. */
function checkMapped(target: Target, account: Account, spec: string | undefined): Account {
  if (!mapped(target, 'uid_map', account.uid)) {
    throw usageError(`-u ${spec ?? 0}: uid ${account.uid} is not mapped in the container`);
  }
  if (!mapped(target, 'gid_map', account.gid)) {
    throw usageError(`-u ${spec ?? 0}: gid ${account.gid} is not mapped in the container`);
  }
  // Where setgroups is denied, groups stay as they are; an unmapped one
  // would make setgroups() fail.
  const groups = setgroupsAllowed(target) ? account.groups.filter((g) => mapped(target, 'gid_map', g)) : [];
  return { ...account, groups };
}

interface Request {
  command: string[] | undefined;
  user: string | undefined;
  dir: string | undefined;
  settings: string[];
  /** Which of fds 0-2 get the container's pty, bit N for fd N: 0 for none. */
  ptyStdio: number;
}

/** Starts CMD in the container, as the user asked for: its pid. */
function enter(target: Target, request: Request, setUpPty?: (pty: Pty) => void): number {
  let entry: Entry | undefined;
  try {
    entry = openEntry(target);
    const account = checkMapped(target, resolveAccount(entry.root, request.user), request.user);
    const env = commandEnvironment(target, account, request.settings);
    const shell = existsInRoot(entry.root, account.shell) ? account.shell : '/bin/sh';
    const command = request.command ?? [shell];
    return joinContainer({
      pty_stdio: request.ptyStdio,
      user_fd: entry.user,
      ns_fds: [...entry.others, ...Array(7 - entry.others.length).fill(-1)],
      root_fd: entry.root,
      setgroups: setgroupsAllowed(target) ? 1 : 0,
      uid: account.uid,
      gid: account.gid,
      groups: account.groups,
      // The user's home by default, as a login would; / if it has none.
      dir: request.dir ?? account.home,
      dir_fallback: request.dir === undefined ? 1 : 0,
      // A killed inject takes CMD with it, terminal or not.
      deathsig: SIGKILL,
      file: command[0],
      search_path: valueOf(env, 'PATH') ?? DEFAULT_PATH,
      argv: [...command, null],
      envp: [...env, null],
    }, setUpPty);
  } catch (error) {
    // PID 1 may have ended since it was found: say so, not what failed.
    if (!(error instanceof StepError && error.reason === 'usage') && hasEnded(target)) throw endedError(target);
    throw error;
  } finally {
    if (entry) closeEntry(entry);
    closeSync(target.fd);
  }
}

/**
 * Which of fds 0-2 the container's pty replaces: all three for a terminal
 * on stdin, a session; else each that is a terminal, output on the
 * caller's terminal. No fd of a terminal of the caller's may enter: a
 * process CMD leaves running could read or drive it after inject has
 * exited. Input that is not a terminal is passed as it is.
 */
function ptyStdio(): number {
  if (native().isatty(0) === 1) return STDIO_ALL;
  return (native().isatty(1) === 1 ? 2 : 0) | (native().isatty(2) === 1 ? 4 : 0);
}

/** The host pid of PID 1 of the caller's running container `name`. */
function pidOfName(name: string): number {
  const info = findRunning(name);
  if (!info) throw new StepError(`no running container of yours is called ${name}`);
  return info.pid1;
}

async function run(args: string[]): Promise<number> {
  refuseSetid();
  const options = parseOptions(args, {
    string: ['e', 'u', 'w'],
    boolean: ['h', 'V'],
    alias: { h: 'help', V: 'version' },
    repeat: ['e'],
  });
  if (options.help) return void process.stdout.write(HELP), 0;
  if (options.version) return void process.stdout.write(`inject ${version()}\n`), 0;
  // minimist turns a numeric first operand into a number: take the
  // operands as typed, the tail of args.
  const operands = args.slice(args.length - options._.length);
  if (operands.length === 0) throw usageError('NAME or PID is missing', true);
  const [targetText, ...rest] = operands;
  // Digits alone are a pid: contain gives no container such a name.
  const given = /^[0-9]+$/.test(targetText) ? parsePid(targetText) : pidOfName(targetText);
  if (rest.length > 0) checkCommand(rest);
  const request: Request = {
    command: rest.length > 0 ? rest : undefined,
    user: options.u,
    dir: options.w,
    settings: parseSettings(options.e),
    ptyStdio: ptyStdio(),
  };
  const target = findContainer(given);

  // A terminal of the caller's gets a pty of the container's own in
  // between: nothing in the container can then push input into it
  // (TIOCSTI) or keep it open once inject has exited. Its output goes to
  // stderr only when stderr alone is a terminal.
  // (process.stdout and process.stderr are streams made on first use:
  // only then.)
  let relay: ConsoleRelay | null = null;
  const setUpPty = request.ptyStdio === 0 ? undefined
    : (pty: Pty) => { relay = new ConsoleRelay(pty, request.ptyStdio === 4 ? process.stderr : process.stdout); };
  // Listening before CMD starts: a signal that comes meanwhile waits for
  // the event loop, and then goes to CMD instead of ending inject.
  const signals = relaySignals(FORWARDED);
  // A TSTP for inject (Ctrl-Z when stdin is no terminal) is one for CMD.
  // But CMD leads a session of its own, where the kernel drops SIGTSTP
  // (an orphaned process group): stop it with SIGSTOP instead. Handlers
  // run from the event loop, once enter() has returned the pid.
  let pid = 0;
  let suspending = false;
  const suspend = () => {
    suspending = true;
    process.kill(pid, 'SIGSTOP');
  };
  process.on('SIGTSTP', suspend);
  pid = enter(target, request, setUpPty);
  signals.to(pid);
  const console = relay as ConsoleRelay | null;
  console?.start();
  // When CMD stops (and stays stopped), so does inject, the caller's
  // terminal back in its own mode; fg continues both, raw again, at the
  // window's new size.
  const ending = await waitForExit(pid, (signal) => {
    native().stopLike(pid, ownStopSignal(suspending ? SIGTSTP : signal), -1, STOP_GRACE_MS);
    suspending = false;
    console?.resize();
  });
  signals.stop();
  process.removeListener('SIGTSTP', suspend);
  if (console) {
    // A process CMD left behind may hold the pty open for ever: relay
    // what is pending, then let it go.
    await Promise.race([console.finish(), new Promise((r) => setTimeout(r, PTY_GRACE_MS))]);
  }
  return shellStatus(ending);
}

export function main(args: string[]): void {
  process.title = 'inject';
  // Exit at once, also on failure: a pty left open must not keep us.
  run(args).then(
    (status) => endLike({ code: status }),
    (error) => process.exit(explain('inject', error, DEFAULT_STATUSES)),
  );
}
