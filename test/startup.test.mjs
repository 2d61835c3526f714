// How the tools start: the bundle is compiled with its code cache (Node
// 20) or Node's compile cache (22 and later), koffi is its platform's
// prebuilt module rather than its JavaScript entry point, and whatever of
// that does not fit (a stale cache, koffi elsewhere, a prebuilt library
// this machine cannot load) falls back to the ordinary way without a word.
// What a start costs is measured in bench/, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, BIN, REPO, TEST_USER, account, busyboxRoot, run, scratch } from './helpers.mjs';
import { startContainer } from './inject-container.mjs';

const NODE_20 = Number.parseInt(process.versions.node, 10) < 22;

/**
 * A preload that reports, at exit, how the bundle was compiled and which
 * of koffi's files were loaded, as one JSON line on stderr.
 */
function probe(t) {
  const file = join(scratch(t), 'probe.cjs');
  writeFileSync(file, `
    const vm = require('node:vm');
    const seen = { cached: [], rejected: [] };
    const { Script } = vm;
    vm.Script = class extends Script {
      constructor(code, options) {
        super(code, options);
        if (options && options.cachedData) seen.cached.push(options.filename);
        if (this.cachedDataRejected) seen.rejected.push(options.filename);
      }
    };
    const dlopen = process.dlopen;
    seen.dlopen = [];
    process.dlopen = function (module, filename, ...rest) {
      seen.dlopen.push(filename);
      return dlopen.call(this, module, filename, ...rest);
    };
    process.on('exit', () => {
      seen.modules = Object.keys(require.cache).filter((f) => f.includes('koffi'));
      seen.execArgv = process.execArgv;
      process.stderr.write(JSON.stringify(seen) + '\\n');
    });
  `);
  return file;
}

/** Runs BIN as its user does, as a program, with the probe preloaded. */
function probed(t, bin, args, preload = probe(t)) {
  const r = run(bin, args, { env: { NODE_OPTIONS: `--require ${preload}` } });
  const lines = r.stderr.trimEnd().split('\n');
  return { ...r, stderr: lines.slice(0, -1).join('\n'), seen: JSON.parse(lines.at(-1)) };
}

/** A copy of pseudo's bin and bundle, with the repository's node_modules and native outputs. */
function copyOfPseudo(t, { nodeModules = true } = {}) {
  const dir = scratch(t);
  for (const part of ['packages/pseudo/bin', 'packages/pseudo/dist']) cpSync(join(REPO, part), join(dir, part), { recursive: true });
  cpSync(join(REPO, 'native'), join(dir, 'native'), { recursive: true });
  if (nodeModules) symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  if (AS_ROOT) run('chown', ['-R', `${account(TEST_USER).uid}:${account(TEST_USER).gid}`, dir], { user: 'root' });
  return { dir, pseudo: join(dir, 'packages/pseudo/bin/pseudo'), bundle: join(dir, 'packages/pseudo/dist/pseudo.js') };
}

test('the three bins are one file', () => {
  const [first, ...rest] = ['pseudo', 'contain', 'inject'].map((tool) => readFileSync(BIN[tool], 'utf8'));
  for (const other of rest) assert.equal(other, first);
});

test('pseudo loads koffi\'s platform module directly, not koffi\'s JavaScript entry point', (t) => {
  const r = probed(t, BIN.pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '0\n', '']);
  assert.deepEqual(r.seen.modules, [], 'no JavaScript of koffi was required');
  assert.equal(r.seen.dlopen.length, 1);
  assert.match(r.seen.dlopen[0], new RegExp(`/node_modules/@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi\\.node$`));
});

test('where koffi\'s platform module is not beside koffi, require(\'koffi\') finds it', (t) => {
  const { dir, pseudo } = copyOfPseudo(t, { nodeModules: false });
  // A node_modules with koffi alone, as a nested or differently laid out install has it.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'node_modules/koffi'), join(dir, 'node_modules/koffi'));
  const r = probed(t, pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '0\n', '']);
  assert.ok(r.seen.modules.some((f) => f.endsWith('koffi/index.cjs')), r.seen.modules.join(' '));
});

test('on Node 20 the bundle is compiled with its code cache, which V8 accepts', { skip: !NODE_20 && 'Node 22+ caches itself' }, (t) => {
  for (const tool of ['pseudo', 'contain', 'inject']) {
    const r = probed(t, BIN[tool], ['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.seen.cached, [join(REPO, `packages/${tool}/dist/${tool}.js`)]);
    assert.deepEqual(r.seen.rejected, [], `${tool}'s cache was written under other flags than its start line gives`);
  }
});

test('the tools start Node with the flags their code cache is written under', async (t) => {
  const r = probed(t, BIN.pseudo, ['--version']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.seen.execArgv, ['--no-rehash-snapshot', '--max-opt=0', '--v8-pool-size=1', '--regexp-interpret-all']);
  const { NODE_FLAGS } = await import(join(REPO, 'scripts/compile-cache.mjs'));
  assert.deepEqual(NODE_FLAGS, r.seen.execArgv);
  // Where node is not in PATH, env says so.
  const missing = run('env', ['PATH=/nonexistent', BIN.pseudo, 'true']);
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /node/);
});

test('a code cache for another bundle or another Node is not used, and the tool runs as ever', (t) => {
  const { pseudo, bundle } = copyOfPseudo(t);
  const cache = readFileSync(`${bundle}.cache`);
  const newline = cache.indexOf(10);
  // Padded to 8 bytes, so that V8 need not copy the data after it.
  assert.equal((newline + 1) % 8, 0);
  const [key, version, arch] = cache.toString('latin1', 0, newline).split(' ');
  const header = (text) => Buffer.from(`${text.padEnd(newline)}\n`);
  // Another bundle: the same cache, named for another key.
  writeFileSync(`${bundle}.cache`, Buffer.concat([header(`${'0'.repeat(64)} ${version} ${arch}`), cache.subarray(newline + 1)]));
  let r = probed(t, pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr, r.seen.cached], [0, '0\n', '', []]);
  // Another Node.
  writeFileSync(`${bundle}.cache`, Buffer.concat([header(`${key} v0.0.1 ${arch}`), cache.subarray(newline + 1)]));
  r = probed(t, pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr, r.seen.cached], [0, '0\n', '', []]);
  // A cache whose header fits but whose data is garbage: V8 rejects it.
  writeFileSync(`${bundle}.cache`, Buffer.concat([cache.subarray(0, newline + 1), Buffer.alloc(4096, 7)]));
  r = probed(t, pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '0\n', '']);
  if (NODE_20) assert.deepEqual(r.seen.rejected, [bundle]);
  // An edited bundle keeps no key: no cache at all.
  writeFileSync(bundle, `${readFileSync(bundle, 'utf8').replace(/\/\/# cache-key=\w+\n$/, '')}// edited\n`);
  writeFileSync(`${bundle}.cache`, cache);
  r = probed(t, pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr, r.seen.cached], [0, '0\n', '', []]);
});

test('a bundle from before bundles were wrapped is not run: one line says to build again', (t) => {
  const { dir, pseudo, bundle } = copyOfPseudo(t);
  // What esbuild wrote, as bundles were until the build wrapped it.
  const wrapped = readFileSync(bundle, 'utf8');
  writeFileSync(bundle, wrapped.slice(wrapped.indexOf('{ ') + 2, wrapped.lastIndexOf('\n});\n')));
  const r = run(pseudo, ['true']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [125, '', `pseudo: built by an older version: run npm run build in ${dir}\n`]);
});

test('a start loads none of Node\'s modules but the one it compiles its bundle with: under the tools\' flags each is compiled from source', async (t) => {
  const file = join(scratch(t), 'trace.jsonl');
  // bench/trace.cjs lists them at the tool's end or its exec of the supervisor.
  const loaded = (bin, args) => {
    const r = run(bin, args, { env: { STARTUP_TRACE: file, NODE_OPTIONS: `--require ${join(REPO, 'bench/trace.cjs')}` } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop()).find((m) => m.name === 'exit').loaded;
  };
  // vm compiles the bundle with its code cache on Node 20; later Nodes
  // cache it themselves, through the module module, if they do not have it already.
  const allowed = NODE_20 ? ['vm'] : ['module'];
  const check = (list) => {
    if (NODE_20) assert.deepEqual(list, allowed);
    else assert.ok(list.every((m) => allowed.includes(m)), list.join(' '));
  };
  const root = busyboxRoot(t);
  check(loaded(BIN.pseudo, ['true']));
  check(loaded(BIN.contain, ['-c', root, '/bin/true']));
  const { init } = await startContainer(t, ['-c', '--name', 'startup-modules', root, 'sleep', '1000'], { ready: 'sleep' });
  check(loaded(BIN.inject, [String(init), '/bin/true']));
});

test('a container\'s start makes its file system calls through the native library: of node:fs, it only reads whole files', (t) => {
  // Under the tools' flags each node:fs function is compiled from source
  // at its first call; readFileSync(path, 'utf8') is Node's loader's own,
  // compiled already, and existsSync finds the library before it loads.
  const dir = scratch(t);
  const calls = join(dir, 'calls');
  const preload = join(dir, 'fs-calls.cjs');
  writeFileSync(preload, `
    const fs = require('node:fs');
    const { appendFileSync } = fs;
    let recording = false;
    for (const name of Object.keys(fs)) {
      const f = fs[name];
      if (typeof f !== 'function' || !name.endsWith('Sync')) continue;
      // Written at once (a start that works ends in an exec, not an
      // exit), and not what writing it calls.
      // With what hangs on it (realpathSync.native).
      fs[name] = Object.assign(function (...args) {
        if (!recording && new Error().stack.includes('/dist/')) {
          recording = true;
          try { appendFileSync(${JSON.stringify(calls)}, name + '\\n'); } finally { recording = false; }
        }
        return f.apply(this, args);
      }, f);
    }
  `);
  const root = busyboxRoot(t);
  const r = run(BIN.contain, ['-c', root, '/bin/true'], { env: { NODE_OPTIONS: `--require ${preload}` } });
  assert.equal(r.status, 0, r.stderr);
  const used = [...new Set(readFileSync(calls, 'utf8').trim().split('\n'))].sort();
  assert.deepEqual(used, ['existsSync', 'readFileSync']);
});

test('a prebuilt library this machine cannot load is passed over for one built from source', (t) => {
  const { dir, pseudo } = copyOfPseudo(t);
  const native = join(dir, 'native');
  run('rm', ['-rf', join(native, 'build'), join(native, 'prebuilt')]);
  mkdirSync(join(native, `prebuilt/linux-${process.arch}`), { recursive: true });
  // Not a library at all, as far as the dynamic loader can tell.
  writeFileSync(join(native, `prebuilt/linux-${process.arch}/libcontainers.so`), '\x7fELF but not really\n');
  if (AS_ROOT) run('chown', ['-R', `${account(TEST_USER).uid}:${account(TEST_USER).gid}`, native], { user: 'root' });
  const r = run(pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '0\n', '']);
  assert.equal(run('test', ['-f', join(native, 'build/libcontainers.so')]).status, 0, 'built from source');
});
