// Keeps the README's generated sections true: the --help of each tool,
// the benchmark results (bench/RESULTS.md) and the compatibility table
// (docs/compatibility.md, written by the end-to-end suite). Each lives
// between <!-- begin NAME --> and <!-- end NAME --> markers.
//   node scripts/readme.mjs          rewrite README.md
//   node scripts/readme.mjs --check  exit 1 if README.md is out of date
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README = join(REPO, 'README.md');

function help(tool) {
  const text = execFileSync(process.execPath, [join(REPO, `packages/${tool}/bin/${tool}`), '--help'], { encoding: 'utf8' });
  return '```\n' + text + '```';
}

function file(path, fallback) {
  const full = join(REPO, path);
  if (!existsSync(full)) return fallback;
  // Its own comment and heading go: the README has the heading already.
  return readFileSync(full, 'utf8').replace(/^<!--.*-->\n/, '').replace(/^## .*\n/, '').trim();
}

export const sections = {
  'help pseudo': () => help('pseudo'),
  'help contain': () => help('contain'),
  'help inject': () => help('inject'),
  bench: () => [file('bench/RESULTS.md', '_Run `npm run bench` to measure._'), file('bench/BOOT.md', '') && `### Boot time\n\n${file('bench/BOOT.md', '')}`]
    .filter(Boolean).join('\n\n'),
  compatibility: () => file('docs/compatibility.md', '_Run `npm run test:e2e` to produce the table._'),
};

export function render(text) {
  for (const [name, make] of Object.entries(sections)) {
    const begin = `<!-- begin ${name} -->`, end = `<!-- end ${name} -->`;
    const from = text.indexOf(begin), to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${begin} ... ${end} section`);
    text = text.slice(0, from + begin.length) + '\n' + make() + '\n' + text.slice(to);
  }
  return text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(README, 'utf8');
  const wanted = render(current);
  if (process.argv.includes('--check')) {
    if (current !== wanted) {
      process.stderr.write('readme: README.md is out of date: run node scripts/readme.mjs\n');
      process.exit(1);
    }
  } else {
    writeFileSync(README, wanted);
  }
}
