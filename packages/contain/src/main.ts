/**
 * contain [OPTIONS] DIR [CMD [ARG]...]: boot CMD as PID 1 of a container
 * rooted at DIR and supervise it; or list, stop, attach to and read the
 * log of the caller's running containers.
 */
import { readFileSync, writeSync } from 'node:fs';
import {
  DEFAULT_STATUSES, StepError, entryPath, explain, findRunning, fromSystemError, isRunning, listContainers, native,
  nativeOutput, usageError, version,
} from '@rootless-containers/core';
import { definitionDirs, findDefinition, loadDefinition } from './definition';
import { HELP } from './help';
import { formatList } from './list';
import { CommandLine, parseCommandLine } from './options';
import { checkName, resolveSettings } from './settings';
import { isDaemon, start, startDetached } from './start';

function running(name: string) {
  const info = findRunning(name);
  if (!info) throw new StepError(`no running container of yours is called ${name}`);
  return info;
}

/** --stop: as SIGTERM to the supervisor, then wait until it has ended. */
async function stop(name: string): Promise<number> {
  const info = running(name);
  try {
    process.kill(info.supervisor, 'SIGTERM');
  } catch {
    // Ended meanwhile.
  }
  // The supervisor kills PID 1 after the stop timeout; then it drains the
  // console and ends the helpers, which takes a few seconds at most.
  const until = Date.now() + info.stopTimeout * 1000 + 15_000;
  while (isRunning(name)) {
    if (Date.now() > until) throw new StepError(`${name} did not end within its stop timeout`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return 0;
}

/**
 * Writes all of data to standard output; false once the reader has gone
 * (EPIPE, as when piped into head), which is no error of ours.
 */
function print(data: Buffer | string): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let done = 0; done < bytes.length;) {
    try {
      done += writeSync(1, bytes, done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return false;
      if (code !== 'EAGAIN') throw fromSystemError('write to standard output', error);
    }
  }
  return true;
}

/** --log: what the console printed while nobody was attached. */
function log(name: string): number {
  running(name);
  for (const file of [`${entryPath(name, 'log')}.1`, entryPath(name, 'log')]) {
    let text: Buffer;
    try {
      text = readFileSync(file);
    } catch {
      continue; // Nothing logged yet.
    }
    if (!print(text)) break;
  }
  return 0;
}

/** --attach: the native client takes this terminal to the console. */
function attach(name: string): number {
  running(name);
  const program = nativeOutput('attach/contain');
  const result = native().exec(program, ['contain', '--attach', name, entryPath(name, 'socket'), null], [null],
    new Int32Array(0), 0, 0);
  throw new StepError(`run ${program}`, -result);
}

async function run(args: string[]): Promise<number> {
  const cli: CommandLine = parseCommandLine(args);
  switch (cli.action) {
    case 'help': return void print(HELP), 0;
    case 'version': return void print(`contain ${version()}\n`), 0;
    case 'list': return void print(formatList(listContainers(), cli.json)), 0;
    case 'stop': return stop(cli.target!);
    case 'log': return log(cli.target!);
    case 'attach': return attach(cli.target!);
    default: break;
  }
  const name = cli.values.get('name');
  // Before it names a file: --name ../x must not read ~/.config/x.ini.
  if (typeof name === 'string') checkName(name, cli.label('name'));
  const file = cli.file ?? (typeof name === 'string' ? findDefinition(name) : undefined);
  if (file === undefined && typeof name === 'string' && cli.operands.length === 0) {
    throw usageError(`DIR is missing, and no definition ${name}.ini is in ${definitionDirs().join(' or ')}`, true);
  }
  const settings = resolveSettings(cli, file === undefined ? undefined : loadDefinition(file));
  if (settings.detach && !isDaemon()) return startDetached(args);
  return start(settings);
}

export function main(args: string[]): void {
  process.title = 'contain';
  run(args).then(
    (status) => { process.exitCode = status; },
    (error) => { process.exitCode = explain('contain', error, DEFAULT_STATUSES); },
  );
}
