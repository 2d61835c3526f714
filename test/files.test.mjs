// Unit tests of the file system calls a start makes through libcontainers
// (packages/core/src/files.ts): each must answer, and fail, as the node:fs
// function it stands for does, since callers treat both alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync,
  readSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const files = require('../packages/core/dist/files.js');

function scratch(t) {
  const dir = mkdtempSync(join(tmpdir(), 'files-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What the tools read of a status, from node:fs and from files.ts. */
const fields = (s) => ({
  mode: s.mode, uid: s.uid, gid: s.gid, dev: s.dev, ino: s.ino, size: s.size, mtimeMs: Math.floor(s.mtimeMs),
  directory: s.isDirectory(), file: s.isFile(), link: s.isSymbolicLink(),
});

/** The parts of a node:fs error that callers look at. */
const failure = (f) => {
  try {
    f();
  } catch (error) {
    return { code: error.code, errno: error.errno, syscall: error.syscall, path: error.path };
  }
  assert.fail('did not throw');
};

test('stat, lstat and fstat say what node:fs says of a file, a directory and a link', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'file'), 'twelve bytes');
  symlinkSync('file', join(dir, 'link'));
  for (const name of ['file', 'link', '.']) {
    const path = join(dir, name);
    assert.deepEqual(fields(files.stat(path)), fields(statSync(path)), `stat ${name}`);
    assert.deepEqual(fields(files.lstat(path)), fields(lstatSync(path)), `lstat ${name}`);
  }
  assert.equal(files.lstat(join(dir, 'link')).isSymbolicLink(), true);
  const fd = openSync(join(dir, 'file'), 'r');
  try {
    assert.deepEqual(fields(files.fstat(fd)), fields(fstatSync(fd)));
  } finally {
    closeSync(fd);
  }
});

test('failures are thrown as node:fs throws them: code, errno, syscall and path', (t) => {
  const dir = scratch(t);
  const missing = join(dir, 'missing');
  writeFileSync(join(dir, 'file'), '');
  mkdirSync(join(dir, 'sub'));
  assert.deepEqual(failure(() => files.lstat(missing)), failure(() => lstatSync(missing)));
  assert.deepEqual(failure(() => files.stat(missing)), failure(() => statSync(missing)));
  assert.deepEqual(failure(() => files.mkdir(join(dir, 'sub'))), failure(() => mkdirSync(join(dir, 'sub'))));
  assert.deepEqual(failure(() => files.readlink(join(dir, 'file'))), failure(() => readlinkSync(join(dir, 'file'))));
  assert.deepEqual(failure(() => files.open(join(dir, 'file', 'x'), constants.O_RDONLY)),
    failure(() => openSync(join(dir, 'file', 'x'), constants.O_RDONLY)));
  assert.deepEqual(failure(() => files.rename(missing, join(dir, 'b'))), failure(() => renameSync(missing, join(dir, 'b'))));
  const error = (() => { try { files.lstat(missing); } catch (e) { return e; } })();
  assert.equal(error.message, `ENOENT: no such file or directory, lstat '${missing}'`);
  assert.deepEqual(failure(() => files.fstat(-1)).code, 'EBADF');
  assert.deepEqual(failure(() => files.close(-1)).code, 'EBADF');
});

test('open gives a close-on-exec fd, and write, read and writeFile move every byte', (t) => {
  const dir = scratch(t);
  const path = join(dir, 'data');
  const fd = files.open(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    const flags = Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))[1], 8);
    assert.equal(flags & 0o2000000, 0o2000000, 'O_CLOEXEC (octal 02000000 in fdinfo)');
    files.write(fd, 'héllo\n');
    files.writeStrings(fd, ['key', 'välue']);
    const bytes = new Uint8Array(64);
    assert.equal(readSync(fd, bytes, 0, 64, 0), 18);
    assert.equal(Buffer.from(bytes.subarray(0, 18)).toString(), 'héllo\nkey\0välue\0');
  } finally {
    files.close(fd);
  }
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const again = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(4);
    assert.equal(files.read(again, buffer), 4);
    assert.deepEqual([...buffer], [0x68, 0xc3, 0xa9, 0x6c], 'h, then é as UTF-8, then l');
  } finally {
    closeSync(again);
  }
  files.writeFile(path, 'short\n', 0o644);
  assert.equal(readFileSync(path, 'utf8'), 'short\n', 'truncated, not overwritten in place');
  assert.equal(statSync(path).mode & 0o777, 0o600, 'an existing file keeps its mode');
  files.writeFile(join(dir, 'new'), 'x', 0o640);
  assert.equal(statSync(join(dir, 'new')).mode & 0o777, 0o640 & ~process.umask());
});

test('mkdir, rename, readlink, realpath and canAccess do what their system calls do', (t) => {
  const dir = scratch(t);
  files.mkdir(join(dir, 'made'), 0o700);
  assert.equal(statSync(join(dir, 'made')).mode & 0o777, 0o700 & ~process.umask());
  files.rename(join(dir, 'made'), join(dir, 'moved'));
  assert.equal(statSync(join(dir, 'moved')).isDirectory(), true);
  symlinkSync('moved/../moved', join(dir, 'link'));
  assert.equal(files.readlink(join(dir, 'link')), readlinkSync(join(dir, 'link')));
  assert.equal(files.realpath(join(dir, 'link')), realpathSync.native(join(dir, 'link')));
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
  assert.equal(files.canAccess(join(dir, 'tool'), constants.X_OK), false);
  chmodSync(join(dir, 'tool'), 0o755);
  assert.equal(files.canAccess(join(dir, 'tool'), constants.X_OK), true);
  assert.equal(files.canAccess(join(dir, 'missing'), constants.F_OK), false);
});
