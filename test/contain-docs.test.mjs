// contain --help and man/contain.1 say the same, word for word, and the
// man page documents every option, the file system, the console, the
// helpers, the signals per init and the exit statuses.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, busyboxRoot, cli } from './helpers.mjs';

const PAGE = readFileSync(join(REPO, 'man/contain.1'), 'utf8');

const words = (text) => text.replace(/\s+/g, ' ').trim();

/** Plain text of roff lines, one entry per paragraph: fonts and escapes gone. */
function plain(lines) {
  const paragraphs = [''];
  for (const line of lines) {
    const macro = /^\.(\w+)\s*(.*)$/.exec(line);
    let text = line;
    if (macro) {
      const [, name, rest] = macro;
      const args = [...rest.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
      if (name === 'B' || name === 'I') text = args.join(' ');
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

function section(name) {
  const lines = PAGE.split('\n');
  const start = lines.indexOf(`.SH ${name}`);
  assert.ok(start >= 0, `the man page has a ${name} section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('.SH '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The .TP entries of a section: [{ tag, text }]. */
function entries(name) {
  const lines = section(name);
  const found = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '.TP') continue;
    let j = i + 2;
    while (j < lines.length && !/^\.(TP|PP|SH)\b/.test(lines[j])) j++;
    found.push({ tag: plain([lines[i + 1]]).join(' '), text: plain(lines.slice(i + 2, j)).join(' ') });
    i = j - 1;
  }
  return found;
}

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

const HELP = cli('contain', ['--help']).stdout;

test('--help prints the usage and exits 0', () => {
  const r = cli('contain', ['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Usage: contain \[OPTIONS\] DIR \[CMD \[ARG\]\.\.\.\]\n/);
  assert.equal(cli('contain', ['-h']).stdout, r.stdout);
});

test('every option of --help is in the man page with the same words, and no other', () => {
  const fromHelp = helpOptions(HELP);
  assert.deepEqual(fromHelp.map((o) => o.tag), ['-c', '-g MAP', '-i CMD', '-n', '-o CMD', '-u MAP',
    '--stop-signal SIG', '--stop-timeout SECS', '-h, --help', '-V, --version']);
  assert.deepEqual(entries('OPTIONS'), fromHelp);
});

test('the prose of --help is in the man page word for word', () => {
  const page = words(plain(PAGE.split('\n')).join(' '));
  const paragraphs = HELP.split('\n\n').filter((p) => !p.startsWith('Options:'));
  assert.ok(paragraphs.length >= 5);
  for (const paragraph of paragraphs) {
    const text = words(paragraph.replace(/^Usage: .*\n/, ''));
    assert.ok(page.includes(text), `the man page says: ${text}`);
  }
});

test('the man page has the sections a user looks for', () => {
  assert.match(PAGE, /^\.TH CONTAIN 1 /m);
  for (const name of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'FILE SYSTEM', 'CONSOLE', 'HELPERS',
    'SIGNALS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO']) section(name);
});

test('the file system section describes /dev, /proc, /sys and cgroup2', () => {
  const tags = entries('FILE SYSTEM').map((e) => e.tag);
  assert.deepEqual(tags, ['/dev', '/proc', '/sys', '/sys/fs/cgroup']);
  const dev = entries('FILE SYSTEM')[0].text;
  for (const name of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'console', 'pts', 'ptmx', 'shm',
    'fd', 'stdin', 'stdout', 'stderr']) {
    assert.match(dev, new RegExp(`\\b${name}\\b`), `/dev/${name} is described`);
  }
});

test('the signals section gives the stop signal of each init', () => {
  const inits = Object.fromEntries(entries('SIGNALS').map((e) => [e.tag, e.text]));
  assert.deepEqual(Object.keys(inits), ['busybox init', 'sysvinit', 'runit', 'systemd']);
  assert.match(inits['busybox init'], /^SIGUSR2 powers off/);
  assert.match(inits.sysvinit, /^SIGINT runs the ctrlaltdel entry/);
  assert.match(inits.runit, /^SIGINT runs \/etc\/runit\/ctrlaltdel/);
  assert.match(inits.systemd, /^SIGRTMIN\+3 halts/);
});

test('the man page gives the PATH PID 1 really gets', (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-c', root, '/bin/sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ | grep ^PATH=; true']);
  assert.equal(r.status, 0, r.stderr);
  const path = r.stdout.trim();
  assert.match(path, /^PATH=\//);
  assert.ok(words(plain(PAGE.split('\n')).join(' ')).includes(path), `the man page gives ${path}`);
});
