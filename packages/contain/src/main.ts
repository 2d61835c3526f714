/**
 * contain [OPTIONS] DIR [CMD [ARG]...]: boot CMD as PID 1 of a container
 * rooted at DIR, and supervise it.
 */
import { realpathSync, statSync } from 'node:fs';
import {
  CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME,
  CLONE_NEWUSER, CLONE_NEWUTS, ConsoleRelay, DEFAULT_STATUSES, IdMap, Pty, SpawnConfig, StepError,
  explain, openPty, parseOptions, planMaps, setgroupsAllowed, signalNumber,
  spawnContained, usageError, version, waitForExit,
} from '@rootless-containers/core';
import { closeInheritedFds } from './fds';
import { HELP } from './help';
import { containerHostname, hostHasCgroup2 } from './host';
import { Supervisor, exitStatus } from './supervisor';

/** PATH inside the container: the host's does not enter. */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const TTY_GID = 5;
const SIGKILL = 9;

function rootDirectory(dir: string): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    throw usageError(`${dir}: no such directory`);
  }
  if (!statSync(real).isDirectory()) throw usageError(`${dir}: not a directory`);
  return real;
}

function devptsOptions(gid: IdMap): string {
  // devpts wants a gid for its ptys; tty (5) only if the map has it.
  const mapped = gid.some((e) => TTY_GID >= e.inner && TTY_GID < e.inner + e.count);
  return mapped ? `newinstance,ptmxmode=0666,mode=0620,gid=${TTY_GID}` : 'newinstance,ptmxmode=0666,mode=0600';
}

/** Runs a -o helper on the host once PID 1 exists. */
function outsideHelper(command: string) {
  return async (pid: number) => {
    // Loaded only when needed: child_process costs milliseconds at start-up.
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    closeInheritedFds();
    const result = spawnSync('/bin/sh', ['-c', command], {
      stdio: 'inherit',
      env: { ...process.env, CONTAIN_PID: String(pid) },
    });
    const status = result.status ?? 128 + (signalNumber(result.signal ?? '') ?? 0);
    if (status !== 0) {
      throw new StepError(`the -o command failed with status ${status}`, 0, 'helper', undefined, status);
    }
  };
}

async function run(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    string: ['u', 'g', 'i', 'o', 'stop-signal', 'stop-timeout'],
    boolean: ['c', 'n', 'h', 'V'],
    alias: { h: 'help', V: 'version' },
  });
  if (options.help) return void process.stdout.write(HELP), 0;
  if (options.version) return void process.stdout.write(`contain ${version()}\n`), 0;
  if (options._.length === 0) throw usageError('DIR is missing', true);
  // Without --stop-signal, the supervisor asks PID 1's program.
  let stopSignal: number | undefined;
  if (options['stop-signal'] !== undefined) {
    stopSignal = signalNumber(options['stop-signal']);
    if (!stopSignal || stopSignal >= 65) throw usageError(`--stop-signal ${options['stop-signal']}: not a signal`);
  }
  const stopTimeout = Number(options['stop-timeout'] ?? 30);
  if (!Number.isFinite(stopTimeout) || stopTimeout < 0) {
    throw usageError(`--stop-timeout ${options['stop-timeout']}: not a number of seconds`);
  }

  const [dir, ...rest] = options._.map(String);
  const root = rootDirectory(dir);
  const command = rest.length > 0 ? rest : ['/bin/sh'];
  const plan = planMaps({ uidMap: options.u, gidMap: options.g });
  if (plan.notice) process.stderr.write(`contain: ${plan.notice}\n`);
  const pty: Pty | null = options.c ? null : openPty();
  const env = [`container=contain`, `PATH=${CONTAINER_PATH}`];
  if (pty) env.push(`TERM=${process.env.TERM || 'linux'}`);
  const hostEnv = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);

  let flags = CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS
    | CLONE_NEWTIME | CLONE_NEWPID;
  if (!options.n) flags |= CLONE_NEWNET;
  const relay = pty && new ConsoleRelay(pty);
  const config: SpawnConfig = {
    clone_flags: flags,
    setgroups: setgroupsAllowed(plan) ? 1 : 0,
    // Without a console, a new session still keeps the caller's terminal
    // out of reach: no TIOCSTI into the host shell.
    new_session: 1,
    console: pty ? pty.slave : -1,
    keep_stdin: relay && !relay.relaysInput ? 1 : 0,
    // If contain dies, PID 1 dies, and with it the whole PID namespace.
    deathsig: SIGKILL,
    root,
    console_path: pty ? pty.path : null,
    bind_sys: options.n ? 1 : 0,
    cgroup2: hostHasCgroup2() ? 1 : 0,
    devpts_options: devptsOptions(plan.gid),
    hostname: containerHostname(root),
    init_command: options.i ?? null,
    helper_env: [...hostEnv, null],
    file: command[0],
    search_path: CONTAINER_PATH,
    argv: [...command, null],
    envp: [...env, null],
  };
  const supervisor = new Supervisor(stopSignal, stopTimeout, !relay?.relaysInput);
  try {
    const pid = await spawnContained(config, plan, options.o === undefined ? undefined : outsideHelper(options.o));
    return await supervise(supervisor, relay, pid);
  } finally {
    supervisor.stop();
  }
}

/** Relays the console and passes on stop requests until PID 1 ends. */
async function supervise(supervisor: Supervisor, relay: ConsoleRelay | null, pid: number): Promise<number> {
  relay?.start();
  supervisor.watch(pid);
  const ending = await waitForExit(pid);
  supervisor.stop();
  await relay?.finish();
  return exitStatus(ending, supervisor.stopping);
}

export function main(args: string[]): void {
  process.title = 'contain';
  run(args).then(
    (status) => { process.exitCode = status; },
    (error) => { process.exitCode = explain('contain', error, DEFAULT_STATUSES); },
  );
}
