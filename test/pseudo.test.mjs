// pseudo: root in a new user namespace, with the caller's delegated ids
// mapped above it, the same cwd, environment, stdio and arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  AS_ROOT, BIN, NOSUB_USER, TEST_USER, account, cli, needs, run, scratch, subids,
} from './helpers.mjs';

/** The lines of a /proc/PID/[ug]id_map as [inner, outer, count] triples. */
function mapLines(text) {
  return text.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
}

/** The default map pseudo must write for `user`: 0 = own id, then the delegated ranges in file order. */
function expectedMap(own, ranges) {
  const map = [[0, own, 1]];
  let next = 1;
  for (const r of ranges) {
    map.push([next, r.start, r.count]);
    next += r.count;
  }
  return map;
}

function pseudoOutput(args, options) {
  const r = cli('pseudo', args, options);
  assert.equal(r.status, 0, `pseudo ${args.join(' ')} failed: ${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

test('pseudo id -u prints 0, and id -g too', () => {
  assert.equal(pseudoOutput(['id', '-u']), '0\n');
  assert.equal(pseudoOutput(['id', '-g']), '0\n');
  // Without pseudo the same user is not root: the 0 comes from pseudo.
  assert.notEqual(run('id', ['-u']).stdout, '0\n');
});

test('uid_map is 0 = the caller, then every delegated subuid range', (t) => {
  const me = account(TEST_USER);
  const ranges = subids('/etc/subuid', TEST_USER);
  if (!needs(t, ranges.length > 0, `${TEST_USER} has ranges in /etc/subuid`)) return;
  const map = mapLines(pseudoOutput(['cat', '/proc/self/uid_map']));
  assert.deepEqual(map, expectedMap(me.uid, ranges));
  assert.deepEqual(map[0], [0, me.uid, 1]);
});

test('gid_map is 0 = the caller\'s group, then every delegated subgid range', (t) => {
  const me = account(TEST_USER);
  const ranges = subids('/etc/subgid', TEST_USER);
  if (!needs(t, ranges.length > 0, `${TEST_USER} has ranges in /etc/subgid`)) return;
  const map = mapLines(pseudoOutput(['cat', '/proc/self/gid_map']));
  assert.deepEqual(map, expectedMap(me.gid, ranges));
});

test('setgroups is allowed when newgidmap wrote the gid map, and works', (t) => {
  if (!needs(t, subids('/etc/subgid', TEST_USER).length > 0, `${TEST_USER} has ranges in /etc/subgid`)) return;
  assert.equal(pseudoOutput(['cat', '/proc/self/setgroups']), 'allow\n');
  // Root inside may take supplementary groups (setpriv calls setgroups()).
  assert.equal(pseudoOutput(['setpriv', '--groups', '1,2', 'id', '-G']), '0 1 2\n');
});

test('a user with no subordinate ids gets the single mapping, setgroups denied, and is root', (t) => {
  const nosub = account(NOSUB_USER);
  if (!needs(t, AS_ROOT && nosub, `running as root with a user ${NOSUB_USER}`)) return;
  assert.deepEqual(subids('/etc/subuid', NOSUB_USER), []);
  assert.deepEqual(subids('/etc/subgid', NOSUB_USER), []);
  const r = cli('pseudo', ['sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'],
    { user: NOSUB_USER });
  assert.equal(r.status, 0, r.stderr);
  // Said once (pseudo-maps.test.mjs checks the words), but not an error.
  assert.match(r.stderr, /^pseudo: only root is mapped: [^\n]+\n$/);
  const out = r.stdout;
  const [uid, gid, uidLine, gidLine, setgroups] = out.trim().split('\n');
  assert.equal(uid, '0');
  assert.equal(gid, '0');
  assert.deepEqual(mapLines(uidLine), [[0, nosub.uid, 1]]);
  assert.deepEqual(mapLines(gidLine), [[0, nosub.gid, 1]]);
  assert.equal(setgroups.trim(), 'deny');
});

test('run by root, container 0 is host id 4294967294 and every other id maps onto itself', (t) => {
  if (!needs(t, AS_ROOT, 'running as root')) return;
  const r = spawnSync(BIN.pseudo, ['sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map'],
    { encoding: 'utf8', env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const [uid, ...maps] = r.stdout.trim().split('\n');
  assert.equal(uid, '0');
  const expected = [[0, 4294967294, 1], [1, 1, 4294967293]];
  assert.deepEqual(mapLines(maps.slice(0, 2).join('\n')), expected);
  assert.deepEqual(mapLines(maps.slice(2).join('\n')), expected);
});

test('root of a pseudo namespace can run pseudo: 0 becomes its highest id', (t) => {
  const ranges = subids('/etc/subuid', TEST_USER);
  if (!needs(t, ranges.length > 0, `${TEST_USER} has ranges in /etc/subuid`)) return;
  const top = ranges.reduce((sum, r) => sum + r.count, 0);
  const out = pseudoOutput([BIN.pseudo, 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
  const [uid, ...map] = out.trim().split('\n');
  assert.equal(uid, '0');
  assert.deepEqual(mapLines(map.join('\n')), [[0, top, 1], [1, 1, top - 1]]);
});

test('options stop at the first non-option: pseudo ls -l passes -l to ls', (t) => {
  const dir = scratch(t);
  run('touch', [join(dir, 'file')]);
  const listing = pseudoOutput(['ls', '-l', join(dir, 'file')]);
  // A long listing, and the caller's file belongs to root inside.
  assert.match(listing, /^-rw\S* 1 root root 0 .* \/\S*\/file\n$/);
  assert.equal(pseudoOutput(['echo', '-u', '0:0:1', '-h', '--version']), '-u 0:0:1 -h --version\n');
});

test('-h and --help print the help, -V and --version the version', () => {
  const help = pseudoOutput(['--help']);
  assert.match(help, /^Usage: pseudo \[OPTIONS\] \[CMD \[ARG\]\.\.\.\]\n/);
  assert.equal(pseudoOutput(['-h']), help);
  const { version } = JSON.parse(readFileSync(new URL('../packages/pseudo/package.json', import.meta.url)));
  assert.equal(pseudoOutput(['--version']), `pseudo ${version}\n`);
  assert.equal(pseudoOutput(['-V']), `pseudo ${version}\n`);
});

test('stdin is passed through: echo hi | pseudo cat', () => {
  assert.equal(pseudoOutput(['cat'], { input: 'hi\n' }), 'hi\n');
  const big = 'x'.repeat(1 << 20) + '\nend\n';
  assert.equal(pseudoOutput(['cat'], { input: big }), big);
  const r = run('/bin/sh', ['-c', `echo hi | ${BIN.pseudo} cat`]);
  assert.equal(r.stdout, 'hi\n');
  assert.equal(r.status, 0);
});

test('stdout and stderr are the caller\'s', () => {
  const r = cli('pseudo', ['sh', '-c', 'echo out; echo err >&2']);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
});

test('the environment is kept as it is', () => {
  // A PATH with root's directories already: pseudo adds those it lacks.
  const env = { FOO: 'a b=c', EMPTY: '', MULTI: 'one\ntwo', 'not-a-shell.name': 'kept',
    PATH: '/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' };
  const direct = run('env', ['-0'], { env }).stdout.split('\0').sort();
  const inside = pseudoOutput(['env', '-0'], { env }).split('\0').sort();
  assert.deepEqual(inside, direct);
  assert.ok(inside.includes('FOO=a b=c') && inside.includes('EMPTY=') && inside.includes('MULTI=one\ntwo'));
  assert.ok(inside.includes('not-a-shell.name=kept'));
});

test('the working directory is kept', (t) => {
  const dir = scratch(t);
  assert.equal(pseudoOutput(['pwd'], { cwd: dir }), `${dir}\n`);
});

test('with no command, pseudo starts $SHELL, or /bin/sh without one', (t) => {
  const dir = scratch(t);
  const shell = join(dir, 'shell');
  writeFileSync(shell, `#!/bin/sh\necho "ran as $(id -u) with $# arguments" > ${dir}/ran\n`);
  chmodSync(shell, 0o755);
  run('chown', ['--reference', dir, shell]);
  const r = cli('pseudo', [], { env: { SHELL: shell } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'ran'), 'utf8'), 'ran as 0 with 0 arguments\n');
  // No SHELL: /bin/sh reads commands from stdin.
  assert.equal(pseudoOutput([], { env: { SHELL: '' }, input: 'id -u; echo "$0"\n' }), '0\n/bin/sh\n');
});
