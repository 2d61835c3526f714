// When CMD exists but cannot be run, each tool says what is wrong, with
// the path CMD has where it runs (inside the container for contain and
// inject): a missing ELF or #! interpreter, a dangling link, a directory.
// Statuses as a shell gives them: 127 for a dangling link, 126 otherwise.
// A file the kernel cannot run is a script without #! that /bin/sh runs,
// as for execvp() and shells, unless its first line holds a NUL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRoot, cli, scratch } from './helpers.mjs';
import { giveToTestUser } from './contain-support.mjs';
import { startContainer } from './inject-container.mjs';

/** The PT_INTERP of a host program, as readelf prints it. */
function interpreterOf(program) {
  const r = spawnSync('readelf', ['-l', program], { encoding: 'utf8' });
  const found = /\[Requesting program interpreter: ([^\]]+)\]/.exec(r.stdout);
  assert.ok(found, `${program} is dynamically linked: ${r.stderr}`);
  return found[1];
}

const HOST_TRUE = '/bin/true';
const INTERPRETER = interpreterOf(HOST_TRUE);

/** A copy of a host program made for another machine (aarch64): ENOEXEC. */
function writeForeign(path) {
  const elf = readFileSync(HOST_TRUE);
  elf.writeUInt16LE(183, 18); // e_machine: EM_AARCH64
  writeFileSync(path, elf, { mode: 0o755 });
}

/** A script without #!, which prints its name and arguments. */
function writeBare(path) {
  writeFileSync(path, 'echo bare "$0" "$@"\n', { mode: 0o755 });
}

/**
 * Adds to a root (a busybox one, with no libc) a copy of the host's
 * dynamically linked true, scripts whose interpreters are missing, a
 * dangling link and a directory, all in /bin.
 */
function addBroken(root) {
  cpSync(HOST_TRUE, join(root, 'bin/hosttrue'));
  writeFileSync(join(root, 'bin/script'), '#!/usr/bin/python3-not-here -u\nprint(1)\n');
  writeFileSync(join(root, 'bin/via-hosttrue'), '#!/bin/hosttrue\n');
  chmodSync(join(root, 'bin/script'), 0o755);
  chmodSync(join(root, 'bin/via-hosttrue'), 0o755);
  symlinkSync('/usr/bin/gone', join(root, 'bin/dangle'));
  mkdirSync(join(root, 'bin/adir'));
  writeForeign(join(root, 'bin/foreign'));
  writeBare(join(root, 'bin/bare'));
  for (const name of ['hosttrue', 'script', 'via-hosttrue', 'dangle', 'adir', 'foreign', 'bare']) {
    spawnSync('chown', ['-h', '--reference', root, join(root, 'bin', name)]);
  }
  return root;
}

/** The cases, as [CMD, status, what is wrong] for a root made by addBroken(). */
const CASES = [
  ['/bin/hosttrue', 126, `cannot run /bin/hosttrue: its ELF interpreter ${INTERPRETER} is missing`],
  // Found in PATH: the path it was found at.
  ['hosttrue', 126, `cannot run /bin/hosttrue: its ELF interpreter ${INTERPRETER} is missing`],
  ['/bin/script', 126, 'cannot run /bin/script: its #! interpreter /usr/bin/python3-not-here is missing'],
  // The #! interpreter is there, but misses its own.
  ['via-hosttrue', 126, `cannot run /bin/hosttrue: its ELF interpreter ${INTERPRETER} is missing`],
  ['/bin/dangle', 127, 'cannot run /bin/dangle: it is a dangling link to /usr/bin/gone'],
  ['dangle', 127, 'cannot run /bin/dangle: it is a dangling link to /usr/bin/gone'],
  ['/bin/adir', 126, 'cannot run /bin/adir: it is a directory'],
  ['/bin/foreign', 126, 'cannot run /bin/foreign: exec format error'],
  ['foreign', 126, 'cannot run /bin/foreign: exec format error'],
  // A directory in PATH is no command, for a shell either.
  ['adir', 127, 'adir: command not found'],
  ['/bin/nothing', 127, '/bin/nothing: command not found'],
];

function fails(tool, r, status, message) {
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${tool}: ${message}\n`);
  assert.equal(r.status, status, message);
}

test('contain says what is wrong with a CMD it cannot run, naming the path in DIR', (t) => {
  const root = addBroken(busyboxRoot(t));
  for (const [command, status, message] of CASES) {
    fails('contain', cli('contain', ['-c', root, command]), status, message);
  }
});

test('inject says what is wrong with a CMD it cannot run, naming the path in the container', async (t) => {
  const root = addBroken(busyboxRoot(t));
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  for (const [command, status, message] of CASES) {
    fails('inject', cli('inject', [String(c.pid), command]), status, message);
  }
});

test('a script without #! runs with the /bin/sh where it runs, in contain, inject and pseudo', async (t) => {
  const root = addBroken(busyboxRoot(t));
  for (const command of ['/bin/bare', 'bare']) {
    const r = cli('contain', ['-c', root, command, 'one', 'two words']);
    assert.deepEqual([r.status, r.stderr, r.stdout], [0, '', `bare /bin/bare one two words\n`], `contain ${command}`);
  }
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const r = cli('inject', [String(c.pid), 'bare', 'x']);
  assert.deepEqual([r.status, r.stderr, r.stdout], [0, '', 'bare /bin/bare x\n'], 'inject');
  const dir = scratch(t);
  writeBare(join(dir, 'bare'));
  giveToTestUser(join(dir, 'bare'));
  const p = cli('pseudo', ['./bare', 'y'], { cwd: dir });
  assert.deepEqual([p.status, p.stderr, p.stdout], [0, '', 'bare ./bare y\n'], 'pseudo');
});

test('pseudo says what is wrong with a CMD it cannot run, naming the path as given', (t) => {
  const dir = scratch(t);
  const script = join(dir, 'script');
  writeFileSync(script, '#!/no/such/interpreter\n');
  chmodSync(script, 0o755);
  giveToTestUser(script);
  const link = join(dir, 'link');
  symlinkSync(join(dir, 'gone'), link);
  spawnSync('chown', ['-h', '--reference', dir, link]);
  fails('pseudo', cli('pseudo', [script]), 126, `cannot run ${script}: its #! interpreter /no/such/interpreter is missing`);
  fails('pseudo', cli('pseudo', ['./script'], { cwd: dir }), 126,
    'cannot run ./script: its #! interpreter /no/such/interpreter is missing');
  fails('pseudo', cli('pseudo', [link]), 127, `cannot run ${link}: it is a dangling link to ${join(dir, 'gone')}`);
  fails('pseudo', cli('pseudo', [dir]), 126, `cannot run ${dir}: it is a directory`);
  const foreign = join(dir, 'foreign');
  writeForeign(foreign);
  giveToTestUser(foreign);
  fails('pseudo', cli('pseudo', [foreign]), 126, `cannot run ${foreign}: exec format error`);
});
