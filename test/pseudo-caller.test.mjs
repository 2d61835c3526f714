// What pseudo passes on from its caller that a container would not: every
// fd it was given (it is no sandbox: a make jobserver works through it),
// and a PATH with root's sbin directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cli, run, scratch } from './helpers.mjs';
import { giveToTestUser } from './contain-support.mjs';

test('CMD gets the fds pseudo was given, and no fd of pseudo\'s own', () => {
  const r = run('/bin/sh', ['-c', `${BIN.pseudo} sh -c 'echo to-three >&3; echo to-five >&5' 3>&1 5>&2`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'to-three\n');
  assert.equal(r.stderr, 'to-five\n');
  // Exactly the shell's fds, and ls's own on the directory it lists (3).
  for (const redirections of ['4</dev/null 8</dev/null', '']) {
    const listed = run('/bin/sh', ['-c', `exec ${redirections}; ls /proc/$$/fd; echo ---; ${BIN.pseudo} ls /proc/self/fd`]);
    assert.equal(listed.stderr, '');
    const [shell, inside] = listed.stdout.split('---\n').map((l) => l.split(/\s+/).filter(Boolean).map(Number));
    assert.deepEqual(inside.sort((a, b) => a - b), [...new Set([...shell, 3])].sort((a, b) => a - b));
    if (redirections) assert.ok(inside.includes(4) && inside.includes(8), redirections);
  }
});

test('CMD gets a pipe that only an ancestor beyond its parent still holds', () => {
  // bash holds the pipe on 3; the sh between it and pseudo closes its own
  // 3 before pseudo starts, in a subshell it forked with 3 still open.
  const r = run('/bin/bash', ['-c', `exec 3< <(true)
    sh -c '(sleep 0.3; exec ${BIN.pseudo} readlink /proc/self/fd/3) & exec 3<&-; wait'
    readlink /proc/$$/fd/3`]);
  assert.equal(r.stderr, '');
  const [inside, outside] = r.stdout.trim().split('\n');
  assert.match(outside, /^pipe:\[\d+\]$/);
  assert.equal(inside, outside);
});

test('CMD gets every fd it was given also when their names fill more than pseudo\'s first buffer for them', (t) => {
  // 100 fds on a file whose path is over 800 bytes: 80 KiB of names, more
  // than the 64 KiB pseudo first reads them into, with few enough fds
  // for any limit on open files.
  const dir = join(scratch(t), ...Array(4).fill('d'.repeat(200)));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'f'.repeat(200));
  writeFileSync(file, '');
  chmodSync(file, 0o644);
  const r = run('/bin/bash', ['-c', `for fd in $(seq 10 109); do eval "exec $fd<${file}"; done
    ${BIN.pseudo} sh -c 'ls /proc/self/fd | wc -l; readlink /proc/self/fd/109'`]);
  assert.equal(r.stderr, '');
  // 0-2, 10-109, and ls's own on the directory it lists.
  assert.deepEqual(r.stdout.split('\n').slice(0, 2), [String(3 + 100 + 1), file]);
});

test('a make jobserver works through pseudo', (t) => {
  const dir = scratch(t);
  writeFileSync(join(dir, 'Makefile'), `all:\n\t+@${BIN.pseudo} $(MAKE) --no-print-directory -f sub.mk\n`);
  writeFileSync(join(dir, 'sub.mk'), 'all: a b\na b:\n\t@echo "job $@ as $$(id -u)"\n');
  giveToTestUser(join(dir, 'Makefile'));
  giveToTestUser(join(dir, 'sub.mk'));
  const r = run('make', ['-j2'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  // Without the jobserver's fds, the sub-make says "jobserver unavailable".
  assert.equal(r.stderr, '');
  assert.deepEqual(r.stdout.trim().split('\n').sort(), ['job a as 0', 'job b as 0']);
});

test('PATH gets root\'s sbin directories it lacks, each before its bin directory', () => {
  const cases = [
    ['/usr/local/bin:/usr/bin:/bin', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['/usr/bin:/bin', '/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/sbin'],
    ['/usr/bin/:/bin//', '/usr/sbin:/usr/bin/:/sbin:/bin//:/usr/local/sbin'],
    ['/opt/x:/usr/sbin:/usr/bin', '/opt/x:/usr/sbin:/usr/bin:/usr/local/sbin:/sbin'],
    ['/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  ];
  for (const [given, wanted] of cases) {
    const r = run('env', [`PATH=${given}`, process.execPath, BIN.pseudo, '/bin/sh', '-c', 'echo "$PATH"']);
    assert.equal(r.stdout, `${wanted}\n`, given);
  }
});

test('pseudo chroot works with a PATH that has no sbin', () => {
  // chroot is in /usr/sbin: root's command, found now as root would find it.
  const r = run('env', ['PATH=/usr/bin:/bin', process.execPath, BIN.pseudo, 'chroot', '/', '/bin/sh', '-c', 'id -u']);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, '0\n');
  assert.equal(r.status, 0);
});
