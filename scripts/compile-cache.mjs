// V8 code caches for the bundles on Node versions without
// module.enableCompileCache() (before 22): packages/TOOL/bin/TOOL
// compiles packages/TOOL/dist/TOOL.js with the cache written here, which
// saves compiling the bundle at every start.
//
// A bundle ends with `//# cache-key=SHA256` (of the text above it, added
// by scripts/bundle.mjs); its cache, TOOL.js.cache, starts with a header
// line naming that key and the Node version and architecture that wrote
// it (header() below). bin/TOOL uses the cache only when both match, and
// V8 itself rejects data from another V8 or other flags: a stale cache is
// ignored.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

/** The flags bin/TOOL starts Node with (its first line). */
export const NODE_FLAGS = ['--no-rehash-snapshot', '--max-opt=0', '--v8-pool-size=1', '--regexp-interpret-all'];

/**
 * What esbuild wrote, as the function a module's code is in (what Node's
 * own loader wraps a module in), written so in the bundle file: V8 then
 * compiles the file's text as it is read, where a wrapper added at every
 * start made it copy the whole text once more (0.1 to 0.2 ms of CPU). The
 * file's value is that function, and also its module.exports where Node
 * loads it as a module (bin/TOOL on Node 22 and later): bin/TOOL calls it
 * either way.
 */
export function wrap(text) {
  return `(typeof module === 'object' ? module : {}).exports = (function (exports, require, module, __filename, __dirname) { ${text}\n});\n`;
}
const KEY = /\/\/# cache-key=([0-9a-f]{64})\n$/;

/**
 * KEY NODE-VERSION ARCH, padded with spaces to a multiple of 8 bytes with
 * its newline: V8 copies cached data that is not 8-byte aligned before
 * it reads it (225 KB for contain), and bin/TOOL reads the file into a
 * buffer that is.
 */
export function header(key) {
  const text = `${key} ${process.version} ${process.arch}`;
  return `${text.padEnd(Math.ceil((text.length + 1) / 8) * 8 - 1)}\n`;
}

/** A bundle's text with its cache key appended. */
export function addKey(text) {
  const source = text.replace(KEY, '');
  const key = createHash('sha256').update(source).digest('hex');
  return `${source}//# cache-key=${key}\n`;
}

/**
 * Compiles the bundle with every function compiled at once, not when it
 * is first called, and writes BUNDLE.cache. A start then compiles nothing:
 * the functions a run calls (option parsing, the id maps, the native
 * binding) are most of the bundle, and compiling them lazily cost more
 * than reading their code from the cache (0.7 ms of 1.3 for pseudo true).
 * V8 rejects a cache made under other flags, so the default is restored
 * before the cache is written, and one for Node started with `flags` (the
 * tools' own unless given) is written in a Node started so. Returns false
 * if there is no key.
 */
export function writeCache(bundle, flags = NODE_FLAGS) {
  const argv = process.execArgv;
  if (argv.length !== flags.length || flags.some((flag, i) => argv[i] !== flag)) {
    return execFileSync(process.execPath, [...flags, fileURLToPath(import.meta.url), bundle],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }) === 'true\n';
  }
  const source = readFileSync(bundle, 'utf8');
  const key = KEY.exec(source)?.[1];
  if (!key) return false;
  v8.setFlagsFromString('--no-lazy');
  let script;
  try {
    script = new vm.Script(source, { filename: bundle });
  } finally {
    v8.setFlagsFromString('--lazy');
  }
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const data = script.createCachedData();
  const temporary = `${bundle}.cache.${process.pid}`;
  writeFileSync(temporary, Buffer.concat([Buffer.from(header(key), 'latin1'), data]));
  renameSync(temporary, `${bundle}.cache`);
  return true;
}

// node FLAGS scripts/compile-cache.mjs BUNDLE, as writeCache() runs it.
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2]) {
  process.stdout.write(`${writeCache(process.argv[2], process.execArgv)}\n`);
}
