/**
 * contain's options: one table that gives the command line (parsed in one
 * minimist block) and the keys of a container's ini definition, which are
 * the long names of the options that describe a container.
 */
import { OptionSpec, Options, joinValues, parseOptions, spelling, usageError } from '@rootless-containers/core';

export interface OptionDef {
  /** The long name, and the ini key when `key` is set. */
  name: string;
  short?: string;
  /** Takes a value: its placeholder, e.g. 'MAP'. Flags have none. */
  value?: string;
  /** May be given more than once: a list, in the order given. */
  repeat?: boolean;
  /** Also a key of an ini definition (options that describe a container). */
  key?: boolean;
}

/** Every option, in --help order. */
export const OPTIONS: OptionDef[] = [
  { name: 'console', key: true },
  { name: 'detach', short: 'd', key: true },
  { name: 'env', short: 'e', value: 'VAR=VALUE', repeat: true, key: true },
  { name: 'file', short: 'f', value: 'FILE' },
  { name: 'gid-map', short: 'g', value: 'MAP', key: true },
  { name: 'inside', short: 'i', value: 'CMD', key: true },
  { name: 'network', value: 'MODE', key: true },
  { name: 'outside', short: 'o', value: 'CMD', key: true },
  { name: 'uid-map', short: 'u', value: 'MAP', key: true },
  { name: 'name', value: 'NAME', key: true },
  { name: 'hostname', value: 'NAME', key: true },
  { name: 'bind', value: 'SRC[:DST]', repeat: true, key: true },
  { name: 'ro-bind', value: 'SRC[:DST]', repeat: true, key: true },
  { name: 'tmpfs', value: 'DST[:OPTIONS]', repeat: true, key: true },
  { name: 'read-only', key: true },
  { name: 'ephemeral', key: true },
  { name: 'publish', short: 'p', value: 'SPEC', repeat: true, key: true },
  { name: 'host-loopback', key: true },
  { name: 'init', key: true },
  { name: 'stop-signal', value: 'SIG', key: true },
  { name: 'stop-timeout', value: 'SECS', key: true },
  { name: 'list' },
  { name: 'json' },
  { name: 'stop', value: 'NAME' },
  { name: 'attach', value: 'NAME' },
  { name: 'log', value: 'NAME' },
  { name: 'help', short: 'h' },
  { name: 'version', short: 'V' },
];

/** The keys of an ini definition besides the options: the root and the command. */
export const EXTRA_KEYS = ['root', 'command'];

export const byName = new Map(OPTIONS.map((o) => [o.name, o]));

/** What the command line asks for. */
export type Action = 'start' | 'list' | 'stop' | 'attach' | 'log' | 'help' | 'version';

/** A value of a container option: a flag, a value, or a list of values. */
export type Value = boolean | string | string[];

export interface CommandLine {
  action: Action;
  /** The NAME of --stop, --attach or --log. */
  target?: string;
  json: boolean;
  file?: string;
  /** Container options given, by long name. */
  values: Map<string, Value>;
  /**
   * Mount options in the order given across --bind, --ro-bind and
   * --tmpfs, which minimist keeps only per option.
   */
  mountOrder: string[];
  operands: string[];
  /** How an option was typed, for messages: `-u` or `--uid-map`. */
  label(name: string): string;
}

const MOUNTS = new Set(['bind', 'ro-bind', 'tmpfs']);

/**
 * The one option parser of contain. `-c` is short for --no-console and
 * `-n` for --network host; everything stops at the first non-option.
 */
export function parseCommandLine(args: string[]): CommandLine {
  const spec: OptionSpec = {
    string: OPTIONS.filter((o) => o.value).map((o) => o.name),
    boolean: [...OPTIONS.filter((o) => !o.value).map((o) => o.name), 'c', 'n'],
    alias: Object.fromEntries(OPTIONS.filter((o) => o.short).map((o) => [o.short!, o.name])),
    repeat: OPTIONS.filter((o) => o.repeat).map((o) => o.name),
    unsetFlags: true,
    // A definition's flag, turned off for one run: --no-detach, --no-init.
    negatable: OPTIONS.filter((o) => o.key && !o.value).map((o) => o.name),
  };
  const options = parseOptions(args, spec);
  const actions = (['list', 'stop', 'attach', 'log', 'help', 'version'] as const).filter((a) => given(options, a));
  if (actions.length > 1) throw usageError(`--${actions[0]} and --${actions[1]} do not go together`, true);
  const action: Action = actions[0] ?? 'start';
  const values = new Map<string, Value>();
  for (const o of OPTIONS) {
    if (!o.key || !given(options, o.name)) continue;
    const raw = options[o.name];
    values.set(o.name, o.repeat ? ([] as string[]).concat(raw) : raw);
  }
  if (options.c) {
    if (values.get('console') === true) throw usageError('-c and --console do not go together', true);
    values.set('console', false);
  }
  if (options.n) {
    const network = values.get('network');
    if (network !== undefined && network !== 'host') throw usageError(`-n and --network ${network} do not go together`, true);
    values.set('network', 'host');
  }
  const cli: CommandLine = {
    action,
    target: action === 'stop' || action === 'attach' || action === 'log' ? options[action] : undefined,
    json: Boolean(options.json),
    file: options.file,
    values,
    mountOrder: mountOrder(joinValues(args, spec), options._.length),
    operands: operandsOf(args, options),
    label: (name) => (name === 'console' && options.c ? '-c' : name === 'network' && options.n ? '-n'
      : spelling(args, spec, name)),
  };
  checkAction(cli);
  return cli;
}

/**
 * What goes with --list, --stop, --attach and --log: nothing that
 * describes a container, and no operand. Ignored, --stop web
 * --stop-timeout 5 would seem to shorten the wait.
 */
function checkAction(cli: CommandLine): void {
  if (cli.json && cli.action !== 'list') throw usageError('--json goes only with --list', true);
  if (cli.action === 'start' || cli.action === 'help' || cli.action === 'version') return;
  const given = [...cli.values].filter(([, v]) => !(Array.isArray(v) && v.length === 0)).map(([name]) => name);
  const option = cli.file !== undefined ? 'file' : given[0];
  if (option) throw usageError(`${cli.label(option)} and --${cli.action} do not go together`, true);
  if (cli.operands.length > 0) throw usageError(`--${cli.action} takes no operand: ${cli.operands[0]}`, true);
}

/** Whether an option was on the command line: `--no-console` is, as false. */
function given(options: Options, name: string): boolean {
  return options[name] !== undefined;
}

/**
 * The long names of the mount options in command-line order: minimist
 * groups values per option, but later mounts may land inside earlier ones.
 * `tokens` are the arguments as the parser saw them, each option with its
 * value in one (`--bind=VALUE`): another option's value, such as the
 * `--tmpfs` of `-o --tmpfs`, is no mount option.
 */
function mountOrder(tokens: string[], operandCount: number): string[] {
  const order: string[] = [];
  for (const token of tokens.slice(0, tokens.length - operandCount)) {
    const match = /^--([a-z-]+)=/.exec(token);
    if (match && MOUNTS.has(match[1])) order.push(match[1]);
  }
  return order;
}

/**
 * The operands as typed: minimist turns numbers into numbers, and an
 * empty string must stay an (empty) operand.
 */
function operandsOf(args: string[], options: Options): string[] {
  return args.slice(args.length - options._.length);
}
