/**
 * Container definitions: ini files with one [container] section whose keys
 * are contain's long options, plus `root` and `command`. `contain --name
 * NAME` finds NAME.ini in $XDG_CONFIG_HOME/contain (~/.config/contain),
 * then /etc/contain; `-f FILE` names one. Every complaint names FILE:LINE
 * and the key.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { StepError, callerAccount, errnoMessage, files, usageError } from '@rootless-containers/core';
import { parse } from 'ini';
import { EXTRA_KEYS, Value, byName } from './options';
import { splitWords } from './words';

export const SECTION = 'container';

/** A value from a definition, and where it stands, for messages. */
export interface Entry {
  value: Value;
  /** FILE:LINE: KEY, or FILE:LINE: KEY for the first of a list. */
  labels: string[];
}

export interface Definition {
  file: string;
  /** Container options set by the file, by long name. */
  values: Map<string, Entry>;
  /** The name the definition gives: its `name` key, or the file's name. */
  name: string;
  /** The root, relative paths resolved against the file's directory. */
  root?: { path: string; label: string };
  command?: { words: string[]; label: string };
  /** The mount keys (bind, ro-bind, tmpfs) in file order. */
  mountOrder: string[];
}

/** Where `--name NAME` looks for NAME.ini, in order. */
export function definitionDirs(): string[] {
  const config = process.env.XDG_CONFIG_HOME && isAbsolute(process.env.XDG_CONFIG_HOME)
    ? process.env.XDG_CONFIG_HOME : join(process.env.HOME || callerAccount().home, '.config');
  return [join(config, 'contain'), '/etc/contain'];
}

/** The definition file of NAME, or undefined if there is none. */
export function findDefinition(name: string): string | undefined {
  for (const dir of definitionDirs()) {
    const file = join(dir, `${name}.ini`);
    try {
      if (files.stat(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A key's line: its section, key and the number of the line. */
interface Line {
  number: number;
  section?: string;
  key: string;
  /** The value as written, before ini unquotes it or drops a comment. */
  raw: string;
}

/**
 * Where each key stands, read as the ini package reads it: comments start
 * with ; or #, [NAME] opens a section, KEY or KEY = VALUE sets a key.
 */
function scan(text: string): { lines: Line[]; sections: { name: string; number: number }[] } {
  const lines: Line[] = [];
  const sections: { name: string; number: number }[] = [];
  let section: string | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) return;
    const header = /^\[([^\]]*)\]\s*$/.exec(line);
    if (header) {
      section = header[1];
      sections.push({ name: section, number: index + 1 });
      return;
    }
    const equals = line.indexOf('=');
    lines.push({
      number: index + 1, section, key: unquote(line.split('=')[0].trim()), raw: equals < 0 ? '' : line.slice(equals + 1).trim(),
    });
  });
  return { lines, sections };
}

function unquote(text: string): string {
  return /^(["']).*\1$/.test(text) ? text.slice(1, -1) : text;
}

function fail(file: string, line: number | undefined, message: string): never {
  throw usageError(`${file}${line ? `:${line}` : ''}: ${message}`);
}

/** Reads and checks a definition; relative paths are relative to its directory. */
export function loadDefinition(file: string): Definition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).errno;
    throw new StepError(`${file}: cannot read it${errno ? `: ${errnoMessage(errno)}` : ''}`, 0, 'usage');
  }
  const { lines, sections } = scan(text);
  for (const s of sections) {
    if (s.name !== SECTION) fail(file, s.number, `unknown section [${s.name}]: keys belong in [${SECTION}]`);
  }
  const parsed = (parse(text, { bracketedArray: false })[SECTION] ?? {}) as Record<string, unknown>;
  const occurrences = new Map<string, Line[]>();
  for (const line of lines) {
    if (line.section === undefined) fail(file, line.number, `${line.key}: keys belong in a [${SECTION}] section`);
    if (!EXTRA_KEYS.includes(line.key) && !byName.get(line.key)?.key) fail(file, line.number, `unknown key ${line.key}`);
    const seen = occurrences.get(line.key) ?? [];
    const repeatable = byName.get(line.key)?.repeat;
    if (seen.length > 0 && !repeatable) {
      fail(file, line.number, `${line.key} given twice (first on line ${seen[0].number})`);
    }
    occurrences.set(line.key, [...seen, line]);
  }

  const dir = dirname(resolve(file));
  const definition: Definition = { file, values: new Map(), name: basename(file).replace(/\.ini$/, ''), mountOrder: [] };
  for (const [key, found] of occurrences) {
    const labels = found.map((l) => `${file}:${l.number}: ${key}`);
    const raw = parsed[key];
    const option = byName.get(key);
    if (key === 'root') {
      definition.root = { path: resolve(dir, valueText(raw, file, found[0])), label: labels[0] };
    } else if (key === 'command') {
      const words = splitWords(commandText(raw, file, found[0]));
      if (!Array.isArray(words)) fail(file, found[0].number, `command: ${words.error}`);
      if (words.length === 0) fail(file, found[0].number, 'command: no words');
      definition.command = { words, label: labels[0] };
    } else if (!option!.value) {
      if (typeof raw !== 'boolean') fail(file, found[0].number, `${key} ${String(raw)}: not true or false`);
      definition.values.set(key, { value: raw, labels });
    } else {
      const items = ([] as unknown[]).concat(raw).map((v, i) => valueText(v, file, found[i]));
      const value = option!.repeat ? items.map((v) => relativeSource(key, v, dir)) : items[0];
      if (key === 'name') definition.name = items[0];
      definition.values.set(key, { value, labels });
    }
  }
  definition.mountOrder = lines.filter((l) => ['bind', 'ro-bind', 'tmpfs'].includes(l.key)).map((l) => l.key);
  return definition;
}

/** A key's value as text: `key = true` is read as a flag by ini, not a word. */
function valueText(value: unknown, file: string, line: Line): string {
  if (typeof value === 'string' && value !== '') return value;
  return fail(file, line.number, `${line.key}: needs a value`);
}

/**
 * The text of `command`. ini takes the quotes off a value that starts and
 * ends with one, which is right for one quoted string ("sh -c 'a; b'",
 * where ; is then no comment) but not for quoted words: '/bin/echo' 'a b'
 * would become /bin/echo' 'a b. Those keep their quotes for the shell's.
 */
function commandText(value: unknown, file: string, line: Line): string {
  const quoted = line.raw.length > 1 && /^["']/.test(line.raw) && line.raw.endsWith(line.raw[0]);
  const words = quoted ? splitWords(line.raw) : [];
  return Array.isArray(words) && words.length > 1 ? line.raw : valueText(value, file, line);
}

/** A bind source relative to the definition's directory, for bind and ro-bind. */
function relativeSource(key: string, value: string, dir: string): string {
  if (key !== 'bind' && key !== 'ro-bind') return value;
  const colon = value.indexOf(':');
  const source = colon < 0 ? value : value.slice(0, colon);
  if (source === '' || isAbsolute(source)) return value;
  return `${resolve(dir, source)}${colon < 0 ? '' : value.slice(colon)}`;
}
