// Reads a roff man page (man/<tool>.1) as a reader sees it: the text of a
// line with fonts and escapes gone, the paragraphs of a section, the tagged
// (.TP) entries of a section. Shared by the tests that hold each tool's
// --help and man page to the same words.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './helpers.mjs';

/** Text with every run of white space one space, trimmed. */
export const words = (text) => text.replace(/\s+/g, ' ').trim();

/** The lines of man/<tool>.1. */
export function readPage(tool) {
  return readFileSync(join(REPO, `man/${tool}.1`), 'utf8').split('\n');
}

/** The arguments of a roff macro line: words, or "quoted strings". */
export function macroArgs(rest) {
  return [...rest.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** Font changes and the escapes the pages use, as the reader sees them. */
function unescape(text) {
  return text.replace(/\\f[BIRP]/g, '').replace(/\\-/g, '-').replace(/\\e/g, '\\');
}

/**
 * The text roff shows for one line ('' for a comment), or null for a macro
 * line that shows nothing and ends a paragraph (.PP, .TP, .SH, .RS, .nf, ...).
 */
export function shown(line) {
  if (line.startsWith('.\\"')) return '';
  const macro = /^\.(\w+)\s*(.*)$/.exec(line);
  if (!macro) return unescape(line);
  const [, name, rest] = macro;
  const args = macroArgs(rest);
  // .B and .I set their words in one font; .BR, .IR, .RI, ... alternate
  // fonts with no space between the words.
  if (name === 'B' || name === 'I') return unescape(args.join(' '));
  if (/^[BIR]{2}$/.test(name)) return unescape(args.join(''));
  return null;
}

/** Plain text of roff lines, one entry per paragraph, empty ones dropped. */
export function plain(lines) {
  const paragraphs = [''];
  for (const line of lines) {
    const text = shown(line);
    if (text === null) paragraphs.push('');
    else paragraphs[paragraphs.length - 1] += ` ${text}`;
  }
  return paragraphs.map(words).filter(Boolean);
}

/** All the text of a page (or of some of its lines) as one line of words. */
export function text(lines) {
  return words(plain(lines).join(' '));
}

/** The lines of one section (.SH NAME) of a page; fails if there is none. */
export function section(page, name) {
  const start = page.findIndex((l) => l === `.SH ${name}` || l === `.SH "${name}"`);
  assert.ok(start >= 0, `the man page has a ${name} section`);
  const end = page.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return page.slice(start + 1, end < 0 ? undefined : end);
}

/** The tagged paragraphs (.TP) of a section: [{ tag, text }] in page order. */
export function entries(page, name) {
  const lines = section(page, name);
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '.TP') continue;
    let j = i + 2;
    while (j < lines.length && !/^\.(TP|PP|SH)\b/.test(lines[j])) j++;
    found.push({ tag: text([lines[i + 1]]), text: text(lines.slice(i + 2, j)) });
    i = j - 1;
  }
  return found;
}
