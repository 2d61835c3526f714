// The compatibility table (distribution x init) in docs/compatibility.md:
// every row is written by the suite from what its tests saw, each test
// file replacing its own rows and keeping the others'.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { render } from '../../scripts/readme.mjs';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from '../helpers.mjs';
import { EXPLAINED, keysIn } from './console.mjs';

export const TABLE = join(REPO, 'docs/compatibility.md');

const HEAD = '| Distribution | Init | Boots | Shuts down cleanly | Notes |';
const RULE = '|---|---|---|---|---|';

// Rows in a fixed order, whatever order the test files run in.
const ORDER = ['demo', 'busybox', 'sysvinit', 'runit', 'systemd'];

function cells(line) {
  return line.split('|').slice(1, -1).map((c) => c.trim());
}

function rank(row) {
  const index = ORDER.findIndex((word) => `${row[0]} ${row[1]}`.toLowerCase().includes(word));
  return index < 0 ? ORDER.length : index;
}

function existingRows() {
  let text = '';
  try { text = readFileSync(TABLE, 'utf8'); } catch { return []; }
  return text.split('\n').filter((l) => l.startsWith('| ') && l !== HEAD).map(cells);
}

/** A description of the host the rows were produced on. */
function host() {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  const v2 = / - cgroup2 /.test(mounts);
  const v1 = / - cgroup /.test(mounts);
  const cgroups = v1 && v2 ? 'hybrid cgroup v1 + v2' : v2 ? 'cgroup v2' : 'cgroup v1';
  let distribution = 'Linux';
  try {
    distribution = /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distribution;
  } catch { /* keep Linux */ }
  return `${distribution}, kernel ${release()}, ${cgroups}`;
}

const escape = (text) => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * Replaces (or adds) the row for `init` and rewrites the file. `boots`
 * and `stops` are booleans; `notes` is free text.
 */
export function recordRow({ distribution, init, boots, stops, notes }) {
  const row = [distribution, init, boots ? 'yes' : 'no', stops ? 'yes' : 'no', notes].map(escape);
  // One row per init: a row whose distribution was renamed is replaced too.
  const rows = existingRows().filter((r) => r[1] !== row[1]);
  rows.push(row);
  rows.sort((a, b) => rank(a) - rank(b));
  const lines = [
    '<!-- Written by the end-to-end suite (npm run test:e2e); do not edit by hand. -->',
    '## Compatibility',
    '',
    `Produced by \`npm run test:e2e\` (test/e2e), as an unprivileged user, on ${host()}.`,
    '"Boots": `contain -n ROOT /sbin/init` reaches the services and `inject` works in it.',
    '"Shuts down cleanly": a halt or power-off from inside and SIGTERM to contain each',
    'end contain with status 0 within the stop timeout, leaving no process, mount or',
    'file behind.',
    '',
    HEAD,
    RULE,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
  const seen = new Set(rows.flatMap((r) => keysIn(r[4])));
  const explained = EXPLAINED.filter((e) => seen.has(e.key));
  if (explained.length > 0) {
    lines.push(
      '"console": the lines of the console, from start to SIGTERM to contain, that read like',
      'errors; each is one of these, and what it means:',
      '',
      ...explained.map((e) => `- **${e.key}** (\`${e.example}\`): ${e.meaning}.`),
      '',
    );
  }
  const text = lines.join('\n');
  mkdirSync(dirname(TABLE), { recursive: true });
  writeFileSync(TABLE, text);
  // The README shows the table: keep its copy current too.
  const readme = join(REPO, 'README.md');
  writeFileSync(readme, render(readFileSync(readme, 'utf8')));
}
