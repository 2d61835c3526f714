import minimist from 'minimist';
import { Reason, StepError, usageError } from './errors';

/** Exit statuses shared by the three tools; each man page lists them. */
export const EXIT_USAGE = 64;
export const EXIT_FAILURE = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

export interface OptionSpec {
  /** Options that take a value, e.g. ['u', 'g']. */
  string: string[];
  /** Flags, e.g. ['h', 'V']. */
  boolean: string[];
  alias: Record<string, string>;
  /** Value-taking options that may be given more than once: an array. */
  repeat?: string[];
  /** Leaves flags that were not given undefined instead of false. */
  unsetFlags?: boolean;
  /**
   * Flags that --no-NAME turns off. minimist takes --no-NAME for every
   * flag, and --no-help would print the help: any other is unknown.
   */
  negatable?: string[];
}

export type Options = minimist.ParsedArgs;

/** An option's names: itself, what it is short for, and its short forms. */
function names(spec: OptionSpec, name: string): string[] {
  return [name, spec.alias[name], ...Object.keys(spec.alias).filter((a) => spec.alias[a] === name)]
    .filter((n) => n !== undefined);
}

function isFlag(spec: OptionSpec, name: string): boolean {
  return names(spec, name).some((n) => spec.boolean.includes(n));
}

/**
 * Joins each value-taking option before the first non-option with its
 * value, as --NAME=VALUE, for minimist: it would take a value that starts
 * with '-', such as the -1 of `-u -1`, for an option of its own, and the
 * option's own check would never see it. contain reads the order of its
 * mount options from the same tokens, so that both agree on what a value is.
 */
export function joinValues(args: string[], spec: OptionSpec): string[] {
  const takesValue = (name: string) => names(spec, name).some((n) => spec.string.includes(n));
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--' || arg === '-' || !arg.startsWith('-')) return [...joined, ...args.slice(i)];
    const hasNext = i + 1 < args.length;
    if (arg.startsWith('--')) {
      const name = arg.slice(2);
      joined.push(!name.includes('=') && takesValue(name) && hasNext ? `--${name}=${args[++i]}` : arg);
      continue;
    }
    // A cluster of short flags, perhaps ending in one that takes a value,
    // given in the rest of the cluster or as the next argument.
    const letters = arg.slice(1);
    let at = 0;
    while (at < letters.length && isFlag(spec, letters[at])) at++;
    if (at === letters.length || !takesValue(letters[at])) {
      joined.push(arg);
      continue;
    }
    if (at > 0) joined.push(`-${letters.slice(0, at)}`);
    const attached = letters.slice(at + 1);
    if (attached !== '') joined.push(`--${letters[at]}=${attached}`);
    else joined.push(hasNext ? `--${letters[at]}=${args[++i]}` : `-${letters[at]}`);
  }
  return joined;
}

/**
 * What minimist would take without a word: --FLAG=VALUE, where it reads
 * every VALUE but false as true (--read-only=no makes the root
 * read-only), and --no-NAME for an option that is no flag to turn off.
 */
function checkFlags(tokens: string[], spec: OptionSpec): void {
  for (const token of tokens) {
    if (token === '--' || token === '-' || !token.startsWith('-')) break;
    const [, negation, name, value] = /^--(no-)?([^=]+)(=.*)?$/.exec(token) ?? [];
    const negatable = negation === undefined || spec.negatable?.includes(name);
    if (negatable && value !== undefined && isFlag(spec, name)) throw usageError(`option ${token.replace(/=.*/, '')} takes no value`, true);
    if (!negatable) throw usageError(`unknown option ${token.replace(/=.*/, '')}`, true);
  }
}

/** VAR=VALUE as -e takes it: a shell variable's name, then =. */
export function isSetting(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(text);
}

/**
 * Parses options up to the first non-option, like getopt's '+', so that
 * `pseudo ls -l` passes -l to ls. Unknown options and options missing
 * their value are usage errors.
 */
export function parseOptions(args: string[], spec: OptionSpec): Options {
  const known = new Set([...spec.string, ...spec.boolean, ...Object.keys(spec.alias),
    ...Object.values(spec.alias)]);
  let unknown: string | undefined;
  const tokens = joinValues(args, spec);
  const options = minimist(tokens, {
    // '_': operands stay as typed; minimist would make DIR 010 or CMD 0x10 numbers.
    string: [...spec.string, '_'],
    boolean: spec.boolean,
    alias: spec.alias,
    default: spec.unsetFlags ? Object.fromEntries(spec.boolean.map((name) => [name, null])) : undefined,
    stopEarly: true,
    unknown: (arg) => {
      if (!unknown && arg.startsWith('-') && arg !== '-') {
        unknown = arg.startsWith('--')
          ? arg.replace(/=.*/, '')
          : `-${[...arg.slice(1)].find((c) => !known.has(c)) ?? arg.slice(1)}`;
      }
      return true;
    },
  });
  checkFlags(tokens, spec);
  if (unknown) throw usageError(`unknown option ${unknown}`, true);
  for (const name of spec.string) {
    const value = options[name];
    const repeatable = spec.repeat?.includes(name);
    if (Array.isArray(value) && !repeatable) {
      throw usageError(`option ${spelling(args, spec, name)} given more than once`, true);
    }
    const values: unknown[] = value === undefined ? [] : [value].flat();
    if (values.includes('')) throw usageError(`option ${spelling(args, spec, name)} needs a value`, true);
    if (repeatable) options[name] = values;
  }
  if (spec.unsetFlags) {
    for (const name of spec.boolean) if (options[name] === null) delete options[name];
  }
  return options;
}

/** Each tool's own mapping from the reason of a failure to its exit status. */
export type StatusTable = Record<Reason, number>;

export const DEFAULT_STATUSES: StatusTable = {
  usage: EXIT_USAGE,
  'not-found': EXIT_NOT_FOUND,
  'not-executable': EXIT_NOT_EXECUTABLE,
  helper: EXIT_FAILURE,
  setup: EXIT_FAILURE,
};

/** Prints one line, `prog: what is wrong`, and returns the status for it. */
export function explain(prog: string, error: unknown, statuses: StatusTable): number {
  if (error instanceof StepError) {
    process.stderr.write(`${prog}: ${error.message}\n`);
    return error.reason === 'helper' && error.status ? error.status : statuses[error.reason];
  }
  process.stderr.write(`${prog}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT_FAILURE;
}

export function version(): string {
  return (require('../package.json') as { version: string }).version;
}

function dash(name: string): string {
  return name.length > 1 ? `--${name}` : `-${name}`;
}

/**
 * How option `name` was typed (`-i` or `--inside`), for messages that
 * name it as the user wrote it; its long form if it was not typed.
 */
export function spelling(args: string[], spec: OptionSpec, name: string): string {
  const long = (key: string) => spec.alias[key] ?? key;
  const takesValue = (key: string) => spec.string.includes(long(key));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--' || !arg.startsWith('-') || arg === '-') break;
    if (arg.startsWith('--')) {
      const key = arg.slice(2).replace(/=.*/, '');
      if (long(key) === name || key === `no-${name}`) return `--${key}`;
      if (!arg.includes('=') && takesValue(key)) i++;
      continue;
    }
    const letters = [...arg.slice(1)];
    for (let j = 0; j < letters.length; j++) {
      if (long(letters[j]) === name) return `-${letters[j]}`;
      if (takesValue(letters[j])) {
        if (j === letters.length - 1) i++;
        break;
      }
    }
  }
  return dash(name);
}
