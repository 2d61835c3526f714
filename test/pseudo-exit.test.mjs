// pseudo's exit status is what the caller would see had CMD run directly,
// plus documented statuses for what stops pseudo itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cli, run, scratch } from './helpers.mjs';

/** Runs pseudo with PATH set to `path` (node itself found by its full path). */
function withPath(path, args) {
  return run('env', [`PATH=${path}`, process.execPath, BIN.pseudo, ...args]);
}

/** Asserts one line of complaint from pseudo and the status. */
function fails(r, status, pattern) {
  assert.equal(r.status, status, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^pseudo: [^\n]+\n$/, 'exactly one line');
  assert.match(r.stderr, pattern);
}

test('the command\'s exit code is pseudo\'s', () => {
  for (const code of [0, 1, 2, 7, 42, 126, 127, 128, 200, 255]) {
    const r = cli('pseudo', ['sh', '-c', `exit ${code}`]);
    assert.equal(r.status, code, r.stderr);
    assert.equal(r.signal, null);
    assert.equal(r.stderr, '');
  }
});

test('a command killed by a signal kills pseudo by the same signal', () => {
  for (const signal of ['SIGTERM', 'SIGKILL', 'SIGHUP', 'SIGINT', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE', 'SIGALRM']) {
    const r = cli('pseudo', ['sh', '-c', `kill -${signal.slice(3)} $$`]);
    assert.equal(r.signal, signal, `${signal}: status ${r.status}, ${r.stderr}`);
    assert.equal(r.status, null);
    assert.equal(r.stderr, '');
  }
  // A shell around pseudo sees what it sees without pseudo: 128+N.
  const r = run('/bin/sh', ['-c', `${BIN.pseudo} sh -c 'kill -TERM $$'; echo $?`]);
  assert.equal(r.stdout, '143\n');
});

test('127 when the command is not found', (t) => {
  fails(cli('pseudo', ['rc-no-such-command']), 127, /^pseudo: rc-no-such-command: command not found\n$/);
  const dir = scratch(t);
  fails(cli('pseudo', [join(dir, 'missing')]), 127, /command not found/);
  // Not found in PATH, even if it exists elsewhere.
  fails(withPath(dir, ['ls']), 127, /^pseudo: ls: command not found\n$/);
});

test('126 when the command cannot be executed', (t) => {
  const dir = scratch(t);
  const file = join(dir, 'not-executable');
  writeFileSync(file, '#!/bin/sh\necho ran\n');
  chmodSync(file, 0o644);
  run('chown', ['--reference', dir, file]);
  fails(cli('pseudo', [file]), 126, /^pseudo: cannot run .*not-executable: permission denied\n$/i);
  // Found in PATH but not executable: 126 as well, as in a shell, and the
  // path it was found at.
  fails(withPath(`/usr/bin:${dir}`, ['not-executable']), 126, new RegExp(`^pseudo: cannot run ${file}: permission denied\n$`, 'i'));
  const subdir = join(dir, 'a-directory');
  mkdirSync(subdir);
  fails(cli('pseudo', [subdir]), 126, /cannot run/);
});

test('a command looked up in PATH starts every time: its start does not share errno with Node', { timeout: 120_000 }, () => {
  // Until its exec the child shares Node's memory, and with it the main
  // thread's errno: a start that let Node run meanwhile took the failed
  // lookup of /usr/sbin/true for "cannot run true: invalid argument" about
  // once in a hundred starts, as a Python program captured the output.
  const loop = [
    'import subprocess, sys',
    'for i in range(400):',
    '    r = subprocess.run(sys.argv[1:], capture_output=True)',
    '    if r.returncode:',
    '        sys.exit(f"{r.returncode} {r.stderr}")',
  ].join('\n');
  const r = run('python3', ['-c', loop, BIN.pseudo, 'true'], { env: { PATH: '/usr/bin:/bin', HOME: '/tmp' }, timeout: 110_000 });
  assert.deepEqual([r.status, r.stderr], [0, '']);
});

test('64 for usage errors: unknown options, missing values', () => {
  fails(cli('pseudo', ['--bogus', 'true']), 64, /^pseudo: unknown option --bogus \(see --help\)\n$/);
  fails(cli('pseudo', ['-x', 'true']), 64, /^pseudo: unknown option -x \(see --help\)\n$/);
  fails(cli('pseudo', ['-u']), 64, /^pseudo: option -u needs a value/);
  fails(cli('pseudo', ['-g', '0:1:1', '-g', '0:1:1', 'true']), 64, /^pseudo: option -g given more than once/);
});

test('125 when pseudo itself fails, with a hint naming the setting in the way', () => {
  // In a user namespace whose root allows no further user namespaces,
  // pseudo cannot create its own.
  const r = run('unshare', ['--user', '--map-root-user', 'sh', '-c',
    `echo 0 > /proc/sys/user/max_user_namespaces && exec ${BIN.pseudo} touch /proc/never`]);
  fails(r, 125, /^pseudo: create namespaces: .* \(user namespaces are disabled: sysctl user\.max_user_namespaces is 0\)\n$/);
});
