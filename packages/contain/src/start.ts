/**
 * Starting a container: reserve its name (and its root), clone PID 1 into
 * new namespaces, write the maps, run what must run before PID 1 (the
 * network helper, the -o command), let PID 1 go, and hand over to the
 * native supervisor.
 */
import {
  BeforeGo, CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER,
  CLONE_NEWUTS, Entry, IdMap, Pty, ROOT_DIR, ROOT_EPHEMERAL, ROOT_READ_ONLY, SpawnConfig, StepError, claimRoot,
  entryFile, native, nativeOutput, openPty, planMaps, releaseEntry, reserveName, setgroupsAllowed, signalNumber,
  TIED_CTTY, spawnContained, writeInfo,
} from '@rootless-containers/core';
import { containerHostname, hostHasCgroup2 } from './host';
import { MountPlan, explainMountReport, fileMount, planMounts } from './mounts';
import { Network, planNetwork } from './network';
import { isKnownInit } from './program';
import { nameFromRoot, rootDirectory, rootWhere } from './root';
import { Settings } from './settings';
import { StartSignals, handOver } from './supervisor';

/** PATH inside the container: the host's does not enter. */
export const CONTAINER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Set in the copy of contain that `--detach` starts in the background. */
const DAEMON = 'CONTAIN_DAEMON';
const TTY_GID = 5;
const SIGKILL = 9;

function devptsOptions(gid: IdMap): string {
  // devpts wants a gid for its ptys; tty (5) only if the map has it.
  const mapped = gid.some((e) => TTY_GID >= e.inner && TTY_GID < e.inner + e.count);
  return mapped ? `newinstance,ptmxmode=0666,mode=0620,gid=${TTY_GID}` : 'newinstance,ptmxmode=0666,mode=0600';
}

/** Runs a -o command on the host once PID 1 exists. */
function outsideHelper(command: string) {
  return async (pid: number) => {
    // Loaded only when needed: child_process costs milliseconds at start-up.
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const { closeInheritedFds } = require('./fds') as typeof import('./fds');
    closeInheritedFds();
    const env: NodeJS.ProcessEnv = { ...process.env, CONTAIN_PID: String(pid) };
    delete env[DAEMON];
    const result = spawnSync('/bin/sh', ['-c', command], { stdio: 'inherit', env });
    const status = result.status ?? 128 + (signalNumber(result.signal ?? '') ?? 0);
    if (status !== 0) {
      throw new StepError(`the -o command failed with status ${status}`, 0, 'helper', undefined, status);
    }
  };
}

/**
 * What runs between the clone and PID 1's start: the network helper
 * first, so that the -o command finds the network up.
 */
function beforeGo(settings: Settings, network?: Network, holder?: ConsoleHolder): BeforeGo | undefined {
  const outside = settings.outside === undefined ? undefined : outsideHelper(settings.outside);
  if (!network && !outside && !holder) return undefined;
  return async (pid) => {
    holder?.start();
    await network?.start(pid);
    await outside?.(pid);
  };
}

/**
 * The console of a known init is its stdio, but no process of the
 * container may have it as controlling terminal just by opening it, as a
 * session leader gets a pty it opens: on a real machine /dev/console never
 * becomes one that way, and sysvinit, which opens it, would take Ctrl-C
 * at the console for ctrl-alt-del. So a small process of the host's holds
 * it as its controlling terminal while the container runs.
 */
class ConsoleHolder {
  pid?: number;

  constructor(private slave: number) {}

  start(): void {
    const program = nativeOutput('contain-init');
    const fds = Int32Array.from([this.slave]);
    const pid = native().startTied(program, ['console-holder', null], [null], fds, 1, SIGKILL, TIED_CTTY);
    if (pid < 0) throw new StepError('hold the console for the init', -pid);
    this.pid = pid;
  }

  end(): void {
    if (this.pid === undefined) return;
    try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ }
    native().waitpid(this.pid, new Int32Array(1), 0);
  }
}

/** The caller's environment, for the helpers contain runs on the host. */
function helperEnvironment(): string[] {
  return Object.entries(process.env).filter(([k]) => k !== DAEMON).map(([k, v]) => `${k}=${v}`);
}

/** How the console meets the caller: relayed terminal, output only, or a log. */
interface ConsolePlan {
  pty: Pty | null;
  /** A terminal we own on stdin: its typing goes to the console. */
  relayInput: boolean;
  /** fds 0 and 1 are the console's client (not a detached container). */
  attached: boolean;
  /**
   * Our stdout is a terminal we own: the supervisor turns its output
   * processing off, since the console's pty does it already. Otherwise
   * the console passes output as it is, and a terminal of the shell's
   * (a background job) does its processing itself.
   */
  rawOutput: boolean;
}

/**
 * Whether typing at our terminal goes to the console. Only a terminal
 * whose foreground we are is ours to make raw: in a background job (&,
 * timeout) the terminal stays the shell's.
 */
function relaysInput(settings: Settings, daemon: boolean): boolean {
  return settings.console && !daemon && native().foreground(0) === 1;
}

function planConsole(settings: Settings, daemon: boolean): ConsolePlan {
  if (!settings.console) return { pty: null, relayInput: false, attached: true, rawOutput: false };
  const pty = openPty();
  const relayInput = relaysInput(settings, daemon);
  const rawOutput = !daemon && native().foreground(1) === 1;
  // Typed at a terminal, input is echoed by the container's pty; written
  // to a pipe or file, output is data: no \n to \r\n.
  native().setConsoleMode(pty.slave, relayInput || daemon ? 1 : 0, daemon || rawOutput ? 1 : 0);
  for (const fd of [1, 2, 0]) {
    if (!daemon && native().isatty(fd) === 1 && native().copyWinsize(fd, pty.master) === 0) break;
  }
  return { pty, relayInput, attached: !daemon, rawOutput };
}

/**
 * `--detach`: the same start in a copy of contain in a session of its
 * own, which prints the name once PID 1 runs and then becomes the
 * supervisor; its failure is ours, word for word and status.
 */
export function startDetached(args: string[]): Promise<number> {
  // Loaded only here: child_process costs milliseconds at every start.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  // With Node's flags from bin/contain's start line, which its code cache
  // needs; not an inspector's, whose port is taken by this process.
  const flags = process.execArgv.filter((flag) => !flag.startsWith('--inspect'));
  const child = spawn(process.execPath, [...flags, process.argv[1], ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [DAEMON]: '1' },
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => process.stderr.write(d));
  return new Promise((resolve) => {
    // The supervisor's stdio is /dev/null: the pipes close once it runs.
    child.stdout.on('close', () => {
      if (out.endsWith('\n')) {
        process.stdout.write(out);
        child.unref();
        resolve(0);
      }
    });
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signalNumber(signal ?? '') ?? 0)));
  });
}

export function isDaemon(): boolean {
  return process.env[DAEMON] === '1';
}

/** Starts the container and becomes its supervisor: returns only by throwing. */
export async function start(settings: Settings): Promise<never> {
  const daemon = isDaemon();
  const root = rootDirectory(settings.root);
  // A network of its own brings its resolv.conf: one mount of contain's.
  const ownNetwork = settings.network === 'pasta' || settings.network === 'slirp4netns';
  const mounts = planMounts(settings.mounts, ownNetwork ? 1 : 0, `--network ${settings.network}`);
  const command = settings.command;
  const plan = planMaps({
    uidMap: settings.uidMap?.value, uidLabel: settings.uidMap?.label,
    gidMap: settings.gidMap?.value, gidLabel: settings.gidMap?.label,
  });
  if (plan.notice) process.stderr.write(`contain: ${plan.notice}\n`);
  // Before anything exists: a taken port or a missing helper leaves nothing behind.
  const networkPlan = await planNetwork(settings);
  // Counted from before the entry exists: nothing is left to undo if
  // counting cannot start.
  const signals = new StartSignals(!relaysInput(settings, daemon));
  const entry = reserveName(settings.name ?? nameFromRoot(root), settings.name !== undefined);
  let network: Network | undefined;
  let holder: ConsoleHolder | undefined;
  try {
    if (!settings.readOnly && !settings.ephemeral) claimRoot(entry, root);
    network = networkPlan && new Network(networkPlan, entry, helperEnvironment());
    const consolePlan = planConsole(settings, daemon);
    const knownInit = !settings.init && isKnownInit(root, command, pid1Environment(settings, false).get('PATH')!);
    holder = knownInit && consolePlan.pty ? new ConsoleHolder(consolePlan.pty.slave) : undefined;
    // The helper's DNS first: a --bind of the user's over it wins. A plain
    // bind of a file of ours, unlinked once PID 1 runs: what the container
    // writes there goes nowhere, and it needs no read-only overlay, which
    // container root could not make of a directory only the caller enters.
    const allMounts = network
      ? [fileMount(network.resolvConf, '/etc/resolv.conf', `--network ${settings.network}`, true), ...mounts]
      : mounts;
    const pid = await spawnContained(spawnConfig(settings, root, command, plan, consolePlan, allMounts, knownInit), plan,
      beforeGo(settings, network, holder),
      (report) => explainMountReport(report, allMounts, { where: rootWhere(settings.root), mode: rootModeName(settings) }));
    network?.settle();
    writeInfo(entry, {
      name: entry.name,
      supervisor: process.pid,
      pid1: pid,
      root,
      command,
      started: Date.now(),
      network: settings.network,
      publish: settings.publish.map((p) => p.value),
      stopTimeout: settings.stopTimeout,
    });
    const listen = native().listen(entryFile(entry, 'socket'));
    if (listen < 0) throw new StepError(`listen on ${entryFile(entry, 'socket')}`, -listen);
    if (daemon) process.stdout.write(`${entry.name}\n`);
    const requests = signals.hold();
    return handOver({
      name: entry.name,
      pid1: pid,
      helpers: [...network?.pids ?? [], ...holder?.pid ? [holder.pid] : []],
      stopSignal: settings.stopSignal,
      stopTimeout: settings.stopTimeout,
      interrupt: !consolePlan.relayInput,
      requests,
      console: consolePlan.pty?.master,
      attached: consolePlan.attached,
      relayInput: consolePlan.relayInput,
      raw: consolePlan.relayInput,
      rawOutput: consolePlan.rawOutput,
      listen,
      log: entryFile(entry, 'log'),
      locks: entry.locks,
      lock: entryFile(entry, 'lock'),
      remove: removals(entry),
      removeIfFree: entry.rootLock ? [entry.rootLock] : [],
    }, daemon);
  } catch (error) {
    // PID 1 may have failed after the helper started: it must not stay.
    network?.end();
    holder?.end();
    signals.stop();
    releaseEntry(entry);
    throw error;
  }
}

/** What the supervisor removes when the container ends: files, then directories. */
function removals(entry: Entry): string[] {
  const files = ['socket', 'log', 'info', 'lock'] as const;
  return [
    ...files.map((f) => entryFile(entry, f)),
    `${entryFile(entry, 'log')}.1`,
    ...entry.remove,
    entry.dir,
  ];
}

/** How the root was asked for, for messages: the option or FILE:LINE: key, or DIR. */
function rootModeName(settings: Settings): string {
  return settings.rootLayer?.label ?? 'DIR';
}

/**
 * PID 1's environment, each variable once: contain's own, then those of
 * -e, a later one replacing an earlier one of the same name (a program
 * that reads the first of two would not see the one given).
 */
function pid1Environment(settings: Settings, console: boolean): Map<string, string> {
  const env = new Map([['container', 'contain'], ['PATH', CONTAINER_PATH]]);
  if (console) env.set('TERM', (!isDaemon() && process.env.TERM) || 'linux');
  for (const entry of settings.env) env.set(entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1));
  return env;
}

function spawnConfig(settings: Settings, root: string, command: string[], plan: ReturnType<typeof planMaps>,
  consolePlan: ConsolePlan, mounts: MountPlan[], knownInit: boolean): SpawnConfig {
  const { pty } = consolePlan;
  const env = pid1Environment(settings, pty !== null);
  const helperEnv = helperEnvironment();
  const hostNetwork = settings.network === 'host';
  let flags = CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS
    | CLONE_NEWTIME | CLONE_NEWPID;
  if (!hostNetwork) flags |= CLONE_NEWNET;
  return {
    clone_flags: flags,
    setgroups: setgroupsAllowed(plan) ? 1 : 0,
    // Without a console, a new session still keeps the caller's terminal
    // out of reach: no TIOCSTI into the host shell.
    new_session: 1,
    console: pty ? pty.slave : -1,
    keep_stdin: pty && !consolePlan.relayInput && consolePlan.attached && native().isatty(0) !== 1 ? 1 : 0,
    // If contain dies, PID 1 dies, and with it the whole PID namespace.
    deathsig: SIGKILL,
    root,
    // A read-only root is the throwaway one, frozen: it wins over --ephemeral.
    root_mode: settings.readOnly ? ROOT_READ_ONLY : settings.ephemeral ? ROOT_EPHEMERAL : ROOT_DIR,
    mount_count: mounts.length,
    mounts: mounts.length > 0 ? mounts : null,
    console_path: pty ? pty.path : null,
    bind_sys: hostNetwork ? 1 : 0,
    cgroup2: hostHasCgroup2() ? 1 : 0,
    devpts_options: devptsOptions(plan.gid),
    hostname: settings.hostname ?? containerHostname(root),
    init_command: settings.inside ?? null,
    init_program: settings.init ? nativeOutput('contain-init') : null,
    // A known init (not one under --init) gets the console without it
    // being its controlling terminal, as on a real machine.
    console_ctty: knownInit ? 0 : 1,
    helper_env: [...helperEnv, null],
    file: command[0],
    search_path: env.get('PATH')!,
    argv: [...command, null],
    envp: [...[...env].map(([name, value]) => `${name}=${value}`), null],
  };
}
