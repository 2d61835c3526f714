// inject --help and man/inject.1 say the same, word for word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, cli } from './helpers.mjs';

const PAGE = readFileSync(join(REPO, 'man/inject.1'), 'utf8').split('\n');

const words = (text) => text.replace(/\s+/g, ' ').trim();

/** The text roff shows for a line: macros that start blocks give ''. */
function shown(line) {
  const macro = /^\.(\w+)\s*(.*)$/.exec(line);
  let text = line;
  if (macro) {
    const args = [...macro[2].matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
    if (macro[1] === 'B' || macro[1] === 'I') text = args.join(' ');
    else if (/^[BIR]{2}$/.test(macro[1])) text = args.join('');
    else return '';
  }
  return text.replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\e/g, '\\');
}

function sectionLines(name) {
  const start = PAGE.indexOf(`.SH ${name}`);
  assert.ok(start >= 0, `the man page has a ${name} section`);
  const end = PAGE.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return PAGE.slice(start + 1, end < 0 ? undefined : end);
}

test('the man page has the sections of a command\'s page', () => {
  assert.match(PAGE[0], /^\.TH INJECT 1 /);
  for (const name of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'SIGNALS', 'EXIT STATUS', 'ENVIRONMENT',
    'EXAMPLES', 'SEE ALSO']) sectionLines(name);
  assert.equal(words(sectionLines('SYNOPSIS').map(shown).join(' ')), 'inject [OPTIONS] PID [CMD [ARG]...]');
});

test('the options of --help are those of the man page, in the same words', () => {
  const help = cli('inject', ['--help']).stdout;
  const fromHelp = help.split('\nOptions:\n')[1].split('\n\n')[0].split('\n')
    .map((line) => /^ {2}(\S.*?) {2,}(.*)$/.exec(line).slice(1));
  const lines = sectionLines('OPTIONS');
  const fromPage = lines.flatMap((line, i) => (line === '.TP' ? [[shown(lines[i + 1]), shown(lines[i + 2])]] : []));
  assert.deepEqual(fromPage, fromHelp);
  assert.deepEqual(fromHelp.map(([tag]) => tag), ['-h, --help', '-V, --version']);
});

test('every paragraph of --help is in the man page word for word', () => {
  const help = cli('inject', ['--help']).stdout;
  const page = words(PAGE.map(shown).join(' '));
  const paragraphs = help.split('\n\n').filter((p) => !p.startsWith('Options:'));
  assert.ok(paragraphs.length >= 7, `${paragraphs.length} paragraphs`);
  for (const paragraph of paragraphs) {
    const text = words(paragraph.replace(/^Usage: /, ''));
    assert.ok(page.includes(text), `the man page says: ${text}`);
  }
});
