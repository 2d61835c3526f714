/**
 * What a container is to be: the command line over its definition, each
 * value checked, with the place it came from (an option or FILE:LINE) in
 * every complaint.
 */
import { checkCommand, isSetting, signalNumber, usageError } from '@rootless-containers/core';
import { Definition } from './definition';
import { CommandLine, Value } from './options';

export type NetworkMode = 'none' | 'host' | 'pasta' | 'slirp4netns';
export const NETWORK_MODES: NetworkMode[] = ['none', 'host', 'pasta', 'slirp4netns'];

/** A value and where it was given: `--bind` or `FILE:LINE: bind`. */
export interface Labeled {
  value: string;
  label: string;
}

export interface MountRequest extends Labeled {
  kind: 'bind' | 'ro-bind' | 'tmpfs';
}

export interface Settings {
  /** The name asked for (--name, or the definition's), or undefined. */
  name?: string;
  definition?: string;
  root: Labeled;
  command: string[];
  console: boolean;
  detach: boolean;
  env: string[];
  uidMap?: Labeled;
  gidMap?: Labeled;
  inside?: string;
  outside?: string;
  hostname?: string;
  network: NetworkMode;
  publish: Labeled[];
  /** Set: where (`--host-loopback` or `FILE:LINE: host-loopback`), for messages. */
  hostLoopback?: Labeled;
  mounts: MountRequest[];
  readOnly: boolean;
  ephemeral: boolean;
  /** Where --read-only (which wins) or --ephemeral was set, for messages. */
  rootLayer?: Labeled;
  init: boolean;
  /** undefined: the one PID 1's program wants, when it is needed. */
  stopSignal?: number;
  stopTimeout: number;
}

/** The longest stop timeout, in seconds: about 31 years. */
export const MAX_STOP_TIMEOUT = 1_000_000_000;
export const DEFAULT_STOP_TIMEOUT = 30;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/**
 * Checks a container name given by the user. Digits alone are a pid to
 * inject(1), which takes either: such a name could not be entered.
 */
export function checkName(name: string, label: string): string {
  if (!NAME.test(name) || /^[0-9]+$/.test(name)) {
    throw usageError(`${label} ${name}: a name is 1 to 64 letters, digits, '_', '.' or '-', not starting with '.' or '-', `
      + 'and not only digits');
  }
  return name;
}

/**
 * One option's values, the command line's over the definition's; lists
 * are the definition's followed by the command line's.
 */
class Merged {
  constructor(private cli: CommandLine, private definition?: Definition) {}

  one(name: string): Labeled | undefined {
    const given = this.cli.values.get(name);
    if (given !== undefined) return { value: String(given), label: this.cli.label(name) };
    const entry = this.definition?.values.get(name);
    return entry && { value: String(entry.value), label: entry.labels[0] };
  }

  flag(name: string): boolean {
    const given = this.cli.values.get(name) ?? this.definition?.values.get(name)?.value;
    return given === true;
  }

  list(name: string): Labeled[] {
    const fromFile = this.definition?.values.get(name);
    const fileValues = (fromFile?.value ?? []) as string[];
    const cliValues = (this.cli.values.get(name) ?? []) as string[];
    return [
      ...fileValues.map((value, i) => ({ value, label: fromFile!.labels[i] })),
      ...cliValues.map((value) => ({ value, label: this.cli.label(name) })),
    ];
  }

  /** A flag that is on, and where it was set; undefined when off. */
  flagSet(name: string): Labeled | undefined {
    const given = this.cli.values.get(name);
    if (given !== undefined) return given === true ? { value: 'true', label: this.cli.label(name) } : undefined;
    const entry = this.definition?.values.get(name);
    return entry?.value === true ? { value: 'true', label: entry.labels[0] } : undefined;
  }

  raw(name: string): Value | undefined {
    return this.cli.values.get(name) ?? this.definition?.values.get(name)?.value;
  }
}

function mounts(merged: Merged, cli: CommandLine, definition?: Definition): MountRequest[] {
  // Each kind's values in order, dealt out along the order the kinds came in.
  const queues = new Map(['bind', 'ro-bind', 'tmpfs'].map((kind) => [kind, merged.list(kind)]));
  const order = [...(definition?.mountOrder ?? []), ...cli.mountOrder];
  return order.map((kind) => ({ kind: kind as MountRequest['kind'], ...queues.get(kind)!.shift()! }));
}

function stopTimeout(given?: Labeled): number {
  if (!given) return DEFAULT_STOP_TIMEOUT;
  const seconds = Number(given.value);
  if (!/^\d+(\.\d+)?$/.test(given.value) || seconds > MAX_STOP_TIMEOUT) {
    throw usageError(`${given.label} ${given.value}: not a number of seconds from 0 to ${MAX_STOP_TIMEOUT}`);
  }
  return seconds;
}

function stopSignal(given?: Labeled): number | undefined {
  if (!given) return undefined;
  const signal = signalNumber(given.value);
  if (!signal || signal >= 65) throw usageError(`${given.label} ${given.value}: not a signal`);
  return signal;
}

function network(given?: Labeled): NetworkMode {
  if (!given) return 'none';
  if (!(NETWORK_MODES as string[]).includes(given.value)) {
    throw usageError(`${given.label} ${given.value}: not a network mode (${NETWORK_MODES.join(', ')})`);
  }
  return given.value as NetworkMode;
}

function environment(list: Labeled[]): string[] {
  for (const e of list) {
    if (!isSetting(e.value)) throw usageError(`${e.label} ${e.value}: not VAR=VALUE`);
  }
  return list.map((e) => e.value);
}

function hostname(given?: Labeled): string | undefined {
  if (given && !HOSTNAME.test(given.value)) throw usageError(`${given.label} ${given.value}: not a valid hostname`);
  return given?.value;
}

/**
 * The settings of the container to start: the operands are DIR and CMD,
 * or only CMD when the definition names the root.
 */
export function resolveSettings(cli: CommandLine, definition?: Definition): Settings {
  const merged = new Merged(cli, definition);
  const operands = [...cli.operands];
  let root: Labeled;
  if (definition?.root) {
    root = { value: definition.root.path, label: definition.root.label };
  } else {
    const dir = operands.shift();
    if (dir === undefined) {
      throw definition
        ? usageError(`${definition.file}: no root = DIR in it, and no DIR given`)
        : usageError('DIR is missing', true);
    }
    if (dir === '') throw usageError('DIR is empty', true);
    root = { value: dir, label: 'DIR' };
  }
  const command = operands.length > 0 ? operands : definition?.command?.words ?? ['/bin/sh'];
  checkCommand(command);
  const nameGiven = merged.one('name');
  const settings: Settings = {
    name: nameGiven ? checkName(nameGiven.value, nameGiven.label) : definition?.name,
    definition: definition?.file,
    root,
    command,
    console: merged.raw('console') !== false,
    detach: merged.flag('detach'),
    env: environment(merged.list('env')),
    uidMap: merged.one('uid-map'),
    gidMap: merged.one('gid-map'),
    inside: merged.one('inside')?.value,
    outside: merged.one('outside')?.value,
    hostname: hostname(merged.one('hostname')),
    network: network(merged.one('network')),
    publish: merged.list('publish'),
    hostLoopback: merged.flagSet('host-loopback'),
    mounts: mounts(merged, cli, definition),
    readOnly: merged.flag('read-only'),
    ephemeral: merged.flag('ephemeral'),
    rootLayer: merged.flagSet('read-only') ?? merged.flagSet('ephemeral'),
    init: merged.flag('init'),
    stopSignal: stopSignal(merged.one('stop-signal')),
    stopTimeout: stopTimeout(merged.one('stop-timeout')),
  };
  if (settings.definition && settings.name) checkName(settings.name, `${settings.definition}: name`);
  const detach = merged.flagSet('detach');
  if (detach && !settings.console) {
    throw usageError(`${detach.label} needs the console: its output goes to the log`, detach.label.startsWith('-'));
  }
  return settings;
}
