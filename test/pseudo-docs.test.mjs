// pseudo --help and man/pseudo.1 say the same, word for word, and the man
// page has every section a user looks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, cli } from './helpers.mjs';

const PAGE = readFileSync(join(REPO, 'man/pseudo.1'), 'utf8');

const words = (text) => text.replace(/\s+/g, ' ').trim();

/** The arguments of a roff macro line: words, or "quoted strings". */
function macroArgs(rest) {
  return [...rest.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** Plain text of roff lines: fonts and escapes gone, one entry per paragraph. */
function plain(lines) {
  const paragraphs = [''];
  for (const line of lines) {
    const macro = /^\.(\w+)\s*(.*)$/.exec(line);
    let text = line;
    if (macro) {
      const [, name, rest] = macro;
      const args = macroArgs(rest);
      if (['B', 'I'].includes(name)) text = args.join(' ');
      else if (/^[BIR]{2}$/.test(name)) text = args.join('');
      else {
        paragraphs.push('');
        continue;
      }
    }
    text = text.replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\e/g, '\\');
    paragraphs[paragraphs.length - 1] += ` ${text}`;
  }
  return paragraphs.map(words).filter(Boolean);
}

/** The roff lines of one section (.SH NAME) of the page. */
function section(name) {
  const lines = PAGE.split('\n');
  const start = lines.findIndex((l) => l === `.SH ${name}` || l === `.SH "${name}"`);
  assert.ok(start >= 0, `the man page has a ${name} section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The options of the man page: [{ tag, text }] from the .TP entries of OPTIONS. */
function manOptions() {
  const lines = section('OPTIONS');
  const options = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '.TP') continue;
    const body = [];
    let j = i + 2;
    for (; j < lines.length && !/^\.(TP|PP|SH)\b/.test(lines[j]); j++) body.push(lines[j]);
    options.push({ tag: plain([lines[i + 1]]).join(' '), text: plain(body).join(' ') });
    i = j - 1;
  }
  return options;
}

/** The options of --help: [{ tag, text }], continuation lines joined. */
function helpOptions(help) {
  const block = help.split('\nOptions:\n')[1].split('\n\n')[0].split('\n');
  const options = [];
  for (const line of block) {
    const entry = /^ {2}(-\S*(?:,? \S+)*?)(?: {2,}(.*))?$/.exec(line);
    if (entry) options.push({ tag: entry[1], text: entry[2] ?? '' });
    else options[options.length - 1].text += ` ${line.trim()}`;
  }
  return options.map((o) => ({ tag: o.tag, text: words(o.text) }));
}

test('the man page has the sections of a command\'s page', () => {
  for (const name of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'DEFAULT MAPS', 'EXIT STATUS',
    'SIGNALS', 'FILES', 'EXAMPLES', 'SEE ALSO']) section(name);
  assert.match(PAGE, /^\.TH PSEUDO 1 /m);
  const files = plain(section('FILES')).join(' ');
  for (const file of ['/etc/subuid', '/etc/subgid', '/proc/PID/uid_map', '/proc/PID/gid_map', '/proc/PID/setgroups']) {
    assert.ok(files.includes(file), `FILES names ${file}`);
  }
});

test('every option of --help is in the man page with the same words, and no other', () => {
  const help = cli('pseudo', ['--help']).stdout;
  const fromHelp = helpOptions(help);
  assert.deepEqual(fromHelp.map((o) => o.tag), ['-u MAP', '-g MAP', '-h, --help', '-V, --version']);
  assert.deepEqual(manOptions(), fromHelp);
});

test('the prose of --help is in the man page word for word', () => {
  const help = cli('pseudo', ['--help']).stdout;
  const page = words(plain(PAGE.split('\n')).join(' '));
  const paragraphs = help.split('\n\n').filter((p) => !p.startsWith('Options:'));
  assert.ok(paragraphs.length >= 5);
  for (const paragraph of paragraphs) {
    const text = words(paragraph.replace(/^Usage: /, ''));
    assert.ok(page.includes(text), `the man page says: ${text}`);
  }
});
