// When install scripts were skipped and native/build is missing, the tools
// build the library themselves, or say in one line what to run: never a
// stack trace. A library built from other sources than the bundle (its
// ct_abi() differs) is not called: a prebuilt one is replaced by a build,
// and a build says in one line to build again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, REPO, TEST_USER, account, run, scratch } from './helpers.mjs';

/**
 * A copy of pseudo and the native sources, without native/build or the
 * prebuilt outputs `npm pack` leaves in native/prebuilt, owned by the
 * test user.
 */
function copyWithoutLibrary(t) {
  const dir = scratch(t);
  for (const part of ['packages/pseudo/bin', 'packages/pseudo/dist', 'packages/pseudo/package.json']) {
    cpSync(join(REPO, part), join(dir, part), { recursive: true });
  }
  cpSync(join(REPO, 'native'), join(dir, 'native'), {
    recursive: true,
    filter: (source) => !source.startsWith(join(REPO, 'native/build')) && !source.startsWith(join(REPO, 'native/prebuilt')),
  });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  if (AS_ROOT) run('chown', ['-R', `${account(TEST_USER).uid}:${account(TEST_USER).gid}`, dir], { user: 'root' });
  return { dir, pseudo: join(dir, 'packages/pseudo/bin/pseudo'), library: join(dir, 'native/build/libcontainers.so') };
}

/** Builds the copy's library into native/OUTPUT from headers that differ from the bundle's. */
function buildFromOtherSources(dir, output) {
  const header = join(dir, 'native/containers.h');
  const original = readFileSync(header);
  appendFileSync(header, '/* another version */\n');
  try {
    const r = run('make', ['-s', '-C', join(dir, 'native'), `BUILD=${output}`], { user: 'root' });
    assert.equal(r.status, 0, r.stderr);
  } finally {
    writeFileSync(header, original);
  }
  if (AS_ROOT) run('chown', ['-R', `${account(TEST_USER).uid}:${account(TEST_USER).gid}`, dir], { user: 'root' });
}

test('a prebuilt library from other sources is not used: pseudo builds one and runs', (t) => {
  const { dir, pseudo, library } = copyWithoutLibrary(t);
  buildFromOtherSources(dir, `prebuilt/${process.platform}-${process.arch}`);
  const r = run(pseudo, ['id', '-u']);
  assert.deepEqual([r.status, r.stderr, r.stdout], [0, '', '0\n']);
  assert.ok(existsSync(library), 'no library was built');
});

test('a built library from other sources: one line saying to build again, status 125', (t) => {
  const { dir, pseudo, library } = copyWithoutLibrary(t);
  buildFromOtherSources(dir, 'build');
  const r = run(pseudo, ['true']);
  assert.equal(r.stderr, `pseudo: ${library} was built from other sources than this tool `
    + `(run npm run build in ${dir}, or install again)\n`);
  assert.equal(r.status, 125);
});

test('without make, pseudo says in one line what to run, status 125', (t) => {
  const { dir, pseudo, library } = copyWithoutLibrary(t);
  // node itself stays reachable; make and cc do not.
  const bin = join(dir, 'bin');
  run('sh', ['-c', `mkdir ${bin} && ln -s "${process.execPath}" ${bin}/node`]);
  const r = run('env', [`PATH=${bin}`, pseudo, 'true']);
  assert.equal(r.status, 125);
  assert.equal(r.stderr, `pseudo: native library ${library} is missing and could not be built `
    + `(install make and a C compiler, then run: make -C ${join(dir, 'native')})\n`);
  assert.equal(existsSync(library), false);
});

test('with make and a compiler, pseudo builds the library and runs', (t) => {
  const { pseudo, library } = copyWithoutLibrary(t);
  const r = run(pseudo, ['id', '-u']);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '0\n');
  assert.ok(existsSync(library));
});

test('a library directory the user may not write: one line naming who must build it', (t) => {
  const { dir, pseudo } = copyWithoutLibrary(t);
  run('chmod', ['a-w', join(dir, 'native')]);
  t.after(() => run('chmod', ['u+w', join(dir, 'native')]));
  const r = run(pseudo, ['true']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /^pseudo: native library \S+ is missing \(\S+ is not writable by you: run make -C \S+ as its owner, e\.g\. with sudo\)\n$/);
});
