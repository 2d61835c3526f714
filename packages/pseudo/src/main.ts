/**
 * pseudo [OPTIONS] [CMD [ARG]...]: run a command as root in a new user
 * namespace, the caller's delegated ids mapped above it.
 */
import {
  CLONE_NEWUSER, DEFAULT_STATUSES, FORWARDED, explain, endLike, native, relaySignals,
  parseOptions, planMaps, setgroupsAllowed, spawnContained, version, waitForExit,
} from '@rootless-containers/core';
import { HELP } from './help';

const SIGKILL = 9;

async function run(args: string[]): Promise<void> {
  const options = parseOptions(args, {
    string: ['u', 'g'],
    boolean: ['h', 'V'],
    alias: { h: 'help', V: 'version' },
  });
  if (options.help) return void process.stdout.write(HELP);
  if (options.version) return void process.stdout.write(`pseudo ${version()}\n`);

  const command = options._.length > 0 ? options._ : [process.env.SHELL || '/bin/sh'];
  const plan = planMaps({ uidMap: options.u, gidMap: options.g });
  const env = Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  // The command shares our terminal and process group: Ctrl-C and Ctrl-\
  // reach it from the terminal itself, so pass INT and QUIT on only when
  // no terminal sent them. Listen before the command starts, so that a
  // signal sent meanwhile waits for it instead of killing us. isatty(),
  // not process.stdin: opening that stream would make the stdin we share
  // with the command non-blocking, and its reads would fail.
  const fromTerminal = (s: NodeJS.Signals) => (s === 'SIGINT' || s === 'SIGQUIT') && native().isatty(0) === 1;
  const relay = relaySignals(FORWARDED, fromTerminal);
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
    search_path: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    argv: [...command, null],
    envp: [...env, null],
  }, plan).catch((error) => {
    relay.stop();
    throw error;
  });
  relay.to(pid);
  const ending = await waitForExit(pid);
  relay.stop();
  endLike(ending);
}

export function main(args: string[]): void {
  process.title = 'pseudo';
  run(args).catch((error) => {
    process.exitCode = explain('pseudo', error, DEFAULT_STATUSES);
  });
}
