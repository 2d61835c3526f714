// npm's install step. In a checkout (packages/core/src is there) it builds
// everything from source: the native outputs, the TypeScript and the
// bundles. In an installed package the bundles came built; the native
// outputs are the prebuilt ones for this machine if its library loads
// here, else they are built from source, else one line says what to
// install. Nothing here needs TypeScript or esbuild in a package. Where
// env has no -S, the tools' first line becomes a plain `env node`
// (scripts/start-line.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitStartLine } from './start-line.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = join(REPO, 'native');
const PLATFORM = `${process.platform}-${process.arch}`;
const PREBUILT = join(NATIVE, 'prebuilt', PLATFORM);
const require = createRequire(import.meta.url);
const NAME = require('../package.json').name;

function fail(message) {
  process.stderr.write(`${NAME}: ${message}\n`);
  process.exit(1);
}

function step(command, args) {
  const r = spawnSync(command, args, { cwd: REPO, stdio: 'inherit' });
  if (r.error) fail(`cannot run ${command}: ${r.error.message}`);
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Whether koffi can load the library at path on this machine (its C library, its architecture). */
function loads(path) {
  if (!existsSync(path)) return false;
  try {
    require('koffi').load(path);
    return true;
  } catch {
    return false;
  }
}

function found(command) {
  return !spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status;
}

function nativeFromPackage() {
  if (loads(join(PREBUILT, 'libcontainers.so'))) return;
  const cc = process.env.CC || 'cc';
  if (!found('make') || !found(cc)) {
    const prebuilt = existsSync(PREBUILT) ? `the prebuilt native library does not load on this machine`
      : `no prebuilt native library for ${PLATFORM}`;
    fail(`${prebuilt}, and building it needs make and a C compiler: install them `
      + '(Debian: apt-get install make gcc libc6-dev), then install again');
  }
  const r = spawnSync('make', ['-s', '-C', NATIVE], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) fail(`building the native library failed (make -C ${NATIVE}): see the lines above`);
}

if (existsSync(join(REPO, 'packages/core/src'))) {
  // `npm install -g .` of a clone runs this step without installing the
  // checkout's own dependencies: say so before anything is built.
  for (const name of ['typescript', 'esbuild']) {
    if (!existsSync(join(REPO, 'node_modules', name))) fail(`${name} is not installed in ${REPO}: run npm install there first`);
  }
  step('make', ['-s', '-C', NATIVE]);
  step(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-b']);
  step(process.execPath, [join(REPO, 'scripts/bundle.mjs')]);
} else {
  nativeFromPackage();
}
fitStartLine(REPO);
