/**
 * pseudo [OPTIONS] [CMD [ARG]...]: run a command as root in a new user
 * namespace, the caller's delegated ids mapped above it.
 */
import {
  CLONE_NEWUSER, DEFAULT_STATUSES, FORWARDED, STOP_GRACE_MS, StepError, checkCommand, errnoNumber, explain, endLike,
  native, forwardSignals, lineage, ownStopSignal, parseOptions, planMaps, setgroupsAllowed, spawnContained, version,
} from '@rootless-containers/core';
import { HELP } from './help';

const SIGKILL = 9;
/** PATH when the caller has none: root's usual one. */
const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Root's directories, each before its bin directory if PATH has that. */
const SBIN_DIRS = [['/usr/local/sbin', '/usr/local/bin'], ['/usr/sbin', '/usr/bin'], ['/sbin', '/bin']];

/**
 * The caller's PATH with root's sbin directories it lacks: chroot, dpkg
 * --root and the like are root's commands, and CMD is root.
 */
export function rootPath(path: string | undefined): string {
  if (path === undefined) return ROOT_PATH;
  const dirs = path.split(':');
  // /usr/bin/ is /usr/bin.
  const plain = dirs.map((d) => d.replace(/(.)\/+$/, '$1'));
  for (const [sbin, bin] of SBIN_DIRS) {
    if (plain.includes(sbin)) continue;
    const at = plain.indexOf(bin);
    if (at >= 0) {
      dirs.splice(at, 0, sbin);
      plain.splice(at, 0, sbin);
    } else {
      dirs.push(sbin);
      plain.push(sbin);
    }
  }
  return dirs.join(':');
}

/**
 * What each fd of pid (0: ours) is, by fd, or the errno that stopped us
 * looking: an ancestor we may not look into is no error, and an Error
 * made and thrown costs more than the rest of the walk.
 */
function fdLinks(pid: number): Map<number, string> | number {
  for (let size = 1 << 16; ; size *= 4) {
    const out = Buffer.alloc(size);
    const length = native().fdLinks(pid, out, size);
    if (length < 0) {
      // ENOBUFS (looked up only then): they did not fit, and a buffer four
      // times as large is tried, up to 16 MiB; any other error ends the walk.
      if (size < 1 << 24 && -length === errnoNumber('ENOBUFS')) continue;
      return -length;
    }
    const fields = out.toString('latin1', 0, length).split('\0');
    const links = new Map<number, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) links.set(Number(fields[i]), fields[i + 1]);
    return links;
  }
}

/**
 * Our fds on the pipes an ancestor of ours holds too, given our pipe fds
 * by pipe. A pipe with more than one fd here is Node's own (it makes them
 * in pairs) unless our parent holds it, as make holds both ends of the
 * jobserver it hands on: only pipes with one fd here make the walk go on
 * past the parent, so a start pays for one ancestor.
 */
function heldPipes(pipes: Map<string, number[]>): number[] {
  const held: number[] = [];
  const waiting = new Map(pipes);
  for (let pid = process.ppid, depth = 0; pid > 1 && depth < 16 && waiting.size > 0; depth++) {
    const links = fdLinks(pid);
    if (typeof links === 'number') break;
    for (const target of links.values()) {
      held.push(...waiting.get(target) ?? []);
      waiting.delete(target);
    }
    for (const [target, fds] of waiting) if (fds.length > 1) waiting.delete(target);
    if (waiting.size === 0) break;
    const parent = lineage(pid)?.ppid;
    if (parent === undefined) break;
    pid = parent;
  }
  return held;
}

/**
 * The fds above 2 that pseudo's caller gave it, to pass on to CMD. Node
 * marks the low fds it inherits close-on-exec at start-up, as its own, so
 * they are told apart by what they are: Node's own are epoll and event
 * fds and pipes of its making, which no other process has; a pipe is the
 * caller's when an ancestor has it open too (a make jobserver's, a
 * shell's). Run before pseudo opens anything that stays open.
 */
function callerFds(): number[] {
  const links = fdLinks(0);
  if (typeof links === 'number') throw new StepError('list the fds in /proc/self/fd', links);
  const fds: number[] = [];
  const pipes = new Map<string, number[]>();
  for (const [fd, target] of links) {
    if (fd <= 2 || target.startsWith('anon_inode:')) continue;
    if (target.startsWith('pipe:')) pipes.set(target, [...pipes.get(target) ?? [], fd]);
    else fds.push(fd);
  }
  if (pipes.size > 0) fds.push(...heldPipes(pipes));
  return fds.sort((a, b) => a - b);
}

async function run(args: string[]): Promise<void> {
  const options = parseOptions(args, {
    string: ['u', 'g'],
    boolean: ['h', 'V'],
    alias: { h: 'help', V: 'version' },
  });
  if (options.help) return void process.stdout.write(HELP);
  if (options.version) return void process.stdout.write(`pseudo ${version()}\n`);
  // Before pseudo opens anything that stays open (option parsing opens nothing).
  const inherited = callerFds();

  const command = options._.length > 0 ? options._.map(String) : [process.env.SHELL || '/bin/sh'];
  checkCommand(command);
  const plan = planMaps({ uidMap: options.u, gidMap: options.g });
  if (plan.notice) process.stderr.write(`pseudo: ${plan.notice}\n`);
  const path = rootPath(process.env.PATH);
  const env = Object.entries({ ...process.env, PATH: path }).map(([k, v]) => `${k}=${v}`);
  // The command shares our terminal and process group: Ctrl-C, Ctrl-\
  // and Ctrl-Z reach it from the terminal itself, so pass INT, QUIT and
  // TSTP on only when no terminal sent them (a TSTP passed on after fg
  // would stop the command again). Held before the command starts, so
  // that a signal sent meanwhile waits for it instead of killing us.
  // isatty(), not process.stdin: opening that stream would make the
  // stdin we share with the command non-blocking, and its reads would fail.
  const terminal = native().isatty(0) === 1;
  const fromTerminal = (s: NodeJS.Signals) => (s === 'SIGINT' || s === 'SIGQUIT' || s === 'SIGTSTP') && terminal;
  const forwarding = forwardSignals([...FORWARDED, 'SIGTSTP'], fromTerminal);
  const pid = await spawnContained({
    clone_flags: CLONE_NEWUSER,
    setgroups: setgroupsAllowed(plan) ? 1 : 0,
    new_session: 0,
    console: -1,
    // pseudo is a wrapper: if it is killed, so is the command.
    deathsig: SIGKILL,
    root: null, console_path: null, bind_sys: 0, cgroup2: 0, devpts_options: null,
    hostname: null, init_command: null, helper_env: null,
    file: command[0],
    search_path: path,
    argv: [...command, null],
    envp: [...env, null],
    // Not a sandbox: a make jobserver's pipes and the like pass through.
    keep_fds: inherited,
  }, plan).catch((error) => {
    forwarding.stop();
    throw error;
  });
  // A job to the caller's shell: when the command stops, so do we, and
  // fg continues both (with the terminal given back to the command's
  // process group, e.g. that of an interactive shell).
  const ending = forwarding.wait(pid,
    (signal) => native().stopLike(pid, ownStopSignal(signal), terminal ? 0 : -1, STOP_GRACE_MS));
  endLike(ending);
}

export function main(args: string[]): void {
  process.title = 'pseudo';
  run(args).catch((error) => {
    process.exitCode = explain('pseudo', error, DEFAULT_STATUSES);
  });
}
