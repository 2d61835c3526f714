// Option values and operands that used to get a misleading message: a
// negative number as an option's value reaches that option's own check,
// an empty CMD is a usage error, and a huge id is echoed as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { TEST_USER, account, busyboxRoot, cli, run } from './helpers.mjs';

/** Asserts one line on stderr, nothing on stdout, and the status. */
function refused(r, status, message) {
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${message}\n`);
  assert.equal(r.status, status);
}

test('a negative number as an option\'s value reaches the option\'s own check', (t) => {
  const root = busyboxRoot(t);
  refused(cli('pseudo', ['-u', '-1', 'true']), 64, 'pseudo: -u -1: \'-1\' is not START:LOWER:COUNT');
  refused(cli('pseudo', ['-g', '-1:0:1', 'true']), 64, 'pseudo: -g -1:0:1: \'-1:0:1\' is not START:LOWER:COUNT');
  refused(cli('contain', ['-u', '-1', root]), 64, 'contain: -u -1: \'-1\' is not START:LOWER:COUNT');
  for (const option of ['--stop-timeout', '--stop-signal']) {
    const r = cli('contain', [option, '-1', root]);
    assert.equal(r.status, 64, r.stderr);
    assert.match(r.stderr, new RegExp(`^contain: ${option} -1: [^\\n]+\\n$`));
  }
  // Not an inject option: the PID must come first.
  refused(cli('inject', ['-u', '-1', '-w', '-2', '-e', '-3', '0']), 64, 'inject: 0: not a pid (see --help)');
});

test('options keep their other spellings: attached, clustered, --name=value', () => {
  const me = account(TEST_USER);
  for (const args of [
    [`-u0:${me.uid}:1`, `-g0:${me.gid}:1`],
    [`--u=0:${me.uid}:1`, '-g', `0:${me.gid}:1`],
  ]) {
    const r = cli('pseudo', [...args, 'cat', '/proc/self/uid_map']);
    assert.equal(r.stderr, '', args.join(' '));
    assert.deepEqual(r.stdout.trim().split(/\s+/).map(Number), [0, me.uid, 1]);
  }
  refused(cli('pseudo', ['-u']), 64, 'pseudo: option -u needs a value (see --help)');
  refused(cli('pseudo', ['-hx']), 64, 'pseudo: unknown option -x (see --help)');
  refused(cli('pseudo', ['-u', '0:1:1', '-u', '0:1:1', 'true']), 64, 'pseudo: option -u given more than once (see --help)');
  // After the first operand, nothing is an option.
  assert.equal(cli('pseudo', ['echo', '-u', '-1']).stdout, '-u -1\n');
});

test('--no-NAME is an option only for a flag of a container: not for -h, -V, --list or a value', (t) => {
  const root = busyboxRoot(t);
  refused(cli('pseudo', ['--no-help', 'true']), 64, 'pseudo: unknown option --no-help (see --help)');
  refused(cli('pseudo', ['--no-u', 'true']), 64, 'pseudo: unknown option --no-u (see --help)');
  refused(cli('inject', ['--no-version', '1', 'true']), 64, 'inject: unknown option --no-version (see --help)');
  for (const option of ['--no-help', '--no-version', '--no-list', '--no-json', '--no-name', '--no-c', '--no-file']) {
    refused(cli('contain', [option, root, '/bin/true']), 64, `contain: unknown option ${option} (see --help)`);
  }
  // A value after an option that takes one is no option of its own.
  const r = cli('contain', ['-c', '-e', '--no-help', root, '/bin/true']);
  assert.equal(r.status, 64);
  assert.match(r.stderr, /^contain: -e --no-help: /);
});

test('a flag given a value is a usage error: --read-only=no would have made the root read-only', (t) => {
  const root = busyboxRoot(t);
  refused(cli('contain', ['--read-only=no', root, '/bin/true']), 64, 'contain: option --read-only takes no value (see --help)');
  refused(cli('contain', ['--no-console=yes', root, '/bin/true']), 64, 'contain: option --no-console takes no value (see --help)');
  refused(cli('contain', ['--init=false', root, '/bin/true']), 64, 'contain: option --init takes no value (see --help)');
  refused(cli('pseudo', ['--help=x']), 64, 'pseudo: option --help takes no value (see --help)');
  refused(cli('inject', ['--version=x']), 64, 'inject: option --version takes no value (see --help)');
});

test('inject -e takes the names contain -e takes', () => {
  for (const setting of ['A B=1', '1A=x', '=x']) {
    refused(cli('inject', ['-e', setting, '1', 'true']), 64, `inject: -e ${setting}: not VAR=VALUE`);
    const r = cli('contain', ['-e', setting, '/nonexistent']);
    assert.equal(r.status, 64);
    assert.equal(r.stderr, `contain: -e ${setting}: not VAR=VALUE\n`);
  }
});

test('operands that read as numbers stay as typed: DIR 010, CMD 0x10', (t) => {
  const root = busyboxRoot(t);
  const parent = dirname(root);
  // A directory and a command named like numbers, beside each other.
  const made = run('/bin/sh', ['-c', 'mv root 010 && printf "#!/bin/sh\\necho ran \\"\\$0\\"\\n" > 0x10 && chmod +x 0x10'],
    { cwd: parent });
  assert.equal(made.status, 0, made.stderr);
  const contained = cli('contain', ['-c', '010', '/bin/sh', '-c', 'echo inside'], { cwd: parent });
  assert.equal(contained.stderr, '');
  assert.equal(contained.stdout, 'inside\n');
  const pseudo = cli('pseudo', ['0x10'], { cwd: parent, env: { PATH: `${parent}:/usr/bin:/bin` } });
  assert.equal(pseudo.stderr, '');
  assert.equal(pseudo.stdout, `ran ${parent}/0x10\n`);
});

test('an empty CMD is a usage error, and nothing is created', (t) => {
  const root = busyboxRoot(t);
  const before = readdirSync(root).sort();
  refused(cli('pseudo', ['']), 64, 'pseudo: CMD is an empty string');
  refused(cli('pseudo', ['', 'arg']), 64, 'pseudo: CMD is an empty string');
  refused(cli('contain', [root, '']), 64, 'contain: CMD is an empty string');
  refused(cli('contain', ['-c', root, '', 'arg']), 64, 'contain: CMD is an empty string');
  refused(cli('inject', ['1', '']), 64, 'inject: CMD is an empty string');
  assert.deepEqual(readdirSync(root).sort(), before);
});

test('an id too large for a map is named as it was typed', () => {
  refused(cli('pseudo', ['-u', '99999999999999999999:0:1', 'true']), 64,
    'pseudo: -u 99999999999999999999:0:1: 99999999999999999999 is more than the largest id, 4294967294');
  refused(cli('pseudo', ['-g', '0:1000:18446744073709551616', 'true']), 64,
    'pseudo: -g 0:1000:18446744073709551616: 18446744073709551616 is more than the 4294967295 ids there are');
  refused(cli('pseudo', ['-u', '0:4294967295:1', 'true']), 64,
    'pseudo: -u 0:4294967295:1: 4294967295 is more than the largest id, 4294967294');
});

test('a value that reads like a mount option is the value of the option before it', (t) => {
  const root = busyboxRoot(t);
  const before = readdirSync(root).sort();
  // A forgotten value: the next word is taken as it, as for any option,
  // and the mounts after it are not mixed up with it.
  refused(cli('contain', ['-c', '--stop-signal', '--tmpfs', '/x', root, 'true']), 64,
    'contain: --stop-signal --tmpfs: not a signal');
  refused(cli('contain', ['-c', '--stop-timeout', '--bind', root, 'true']), 64,
    'contain: --stop-timeout --bind: not a number of seconds from 0 to 1000000000');
  // -o's value is the shell's to refuse, not a mount without a value.
  const r = cli('contain', ['-c', '-o', '--tmpfs', '--bind', `${root}/etc:/m`, root, 'true']);
  assert.match(r.stderr, /^\/bin\/sh: [^\n]*\ncontain: the -o command failed with status 2\n$/);
  assert.equal(r.status, 2);
  assert.deepEqual(readdirSync(root).sort(), before);
  const shown = cli('contain', ['-c', '-i', 'true', '--tmpfs', '/x', '-o', 'true', '--tmpfs', '/y', root, '/bin/sh', '-c',
    'grep -o " /[xy] tmpfs" /proc/mounts']);
  assert.deepEqual([shown.status, shown.stderr, shown.stdout], [0, '', ' /x tmpfs\n /y tmpfs\n']);
});
