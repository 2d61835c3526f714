// Named containers: names unique per user, --list and --list --json,
// --stop NAME, inject NAME, one container per root tree, and another
// user's containers out of sight and out of reach.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BIN, NOSUB_USER, RANGE_USER, TEST_USER, account, busyboxRoot, cli, finished, needs, processState, run, runtimeDir, scratch, start, until,
} from './helpers.mjs';
import { pid1Of, startContain, supervising } from './contain-support.mjs';

const LOOP = 'echo ready; while :; do sleep 0.1; done';

/** Starts a named container in the foreground; resolves once it printed ready. */
async function named(t, name, root, options = {}) {
  const child = startContain(t, ['-c', '--name', name, root, '/bin/sh', '-c',
    `trap "exit 0" TERM; hostname ${name}-host; ${LOOP}`], options);
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('ready'), 15_000), `${name} did not start`);
  assert.ok(await supervising(child.pid), `${name}: contain did not exec its supervisor`);
  return { child, done, pid1: await pid1Of(child.pid) };
}

function list(options) {
  const r = cli('contain', ['--list', '--json'], options);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('two named containers: --list shows both, inject NAME reaches each, --stop ends one', { timeout: 90_000 }, async (t) => {
  const rootA = busyboxRoot(t);
  const a = await named(t, 'alpha', rootA);
  const rootB = busyboxRoot(t);
  const b = await named(t, 'beta', rootB);
  const found = list().filter((c) => ['alpha', 'beta'].includes(c.name));
  assert.deepEqual(found.map((c) => [c.name, c.pid, c.pid1]).sort(),
    [['alpha', a.child.pid, a.pid1], ['beta', b.child.pid, b.pid1]]);
  assert.equal(found.find((c) => c.name === 'alpha').root, rootA);
  assert.equal(found.find((c) => c.name === 'beta').root, rootB);
  assert.deepEqual(found.find((c) => c.name === 'alpha').command.slice(0, 2), ['/bin/sh', '-c']);
  // The table: a header and a row each, with the pids.
  const table = cli('contain', ['--list']).stdout.split('\n');
  assert.match(table[0], /^NAME\s+PID\s+PID1\s+UPTIME\s+NETWORK\s+ROOT\s+COMMAND$/);
  for (const [name, c, root] of [['alpha', a, rootA], ['beta', b, rootB]]) {
    const row = new RegExp(`^${name}\\s+${c.child.pid}\\s+${c.pid1}\\s+\\S+\\s+none\\s+${root}\\s+/bin/sh -c `);
    assert.ok(table.some((l) => row.test(l)), table.join('\n'));
  }
  // ps shows the name on the supervisor; pgrep still finds it.
  assert.equal(readFileSync(`/proc/${a.child.pid}/cmdline`, 'utf8'), 'contain\0alpha\0');
  assert.equal(readFileSync(`/proc/${a.child.pid}/comm`, 'utf8'), 'contain\n');
  for (const name of ['alpha', 'beta']) {
    const r = cli('inject', [name, 'hostname']);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, `${name}-host\n`, '']);
  }
  const r = cli('contain', ['--stop', 'alpha']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', '']);
  // --stop returns once alpha has ended: its contain has exited by then.
  assert.equal((await a.done).status, 0);
  assert.deepEqual(list().map((c) => c.name).filter((n) => n === 'alpha'), []);
  assert.equal(b.child.exitCode, null, 'beta ended too');
  assert.equal(cli('inject', ['beta', 'true']).status, 0);
});

test('an unknown name: --stop, --attach, --log and inject say so in one line', (t) => {
  for (const args of [['--stop', 'nosuch'], ['--attach', 'nosuch'], ['--log', 'nosuch']]) {
    const r = cli('contain', args);
    assert.equal(r.status, 125, args.join(' '));
    assert.equal(r.stderr, 'contain: no running container of yours is called nosuch\n');
  }
  const r = cli('inject', ['nosuch', 'true']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /^inject: no running container of yours is called nosuch\n$/);
});

test('--list, --stop, --attach and --log take no container options and no operands; --json only goes with --list', (t) => {
  const root = busyboxRoot(t);
  const cases = [
    [['--list', 'extra'], '--list takes no operand: extra'],
    [['--stop', 'web', 'extra'], '--stop takes no operand: extra'],
    [['--stop', 'web', '--stop-timeout', '5'], '--stop-timeout and --stop do not go together'],
    [['-c', '--list'], '-c and --list do not go together'],
    [['--log', 'web', '-f', '/dev/null'], '-f and --log do not go together'],
    [['--attach=web', '--hostname', 'x'], '--hostname and --attach do not go together'],
    [['--json'], '--json goes only with --list'],
    [['--json', '-c', root, '/bin/true'], '--json goes only with --list'],
  ];
  for (const [args, message] of cases) {
    const r = cli('contain', args);
    assert.deepEqual([r.status, r.stdout, r.stderr], [64, '', `contain: ${message} (see --help)\n`], args.join(' '));
  }
});

test('a taken name is refused, naming the running container; derived names are made unique', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  await named(t, 'taken', root);
  const other = busyboxRoot(t);
  const r = cli('contain', ['-c', '--name', 'taken', other, '/bin/true']);
  assert.equal(r.status, 64);
  assert.match(r.stderr, new RegExp(`^contain: the name taken is taken by a running container \\(root ${root}, supervisor \\d+\\)\\n$`));
  // Without --name: DIR's name, then DIR's name with a suffix. In a
  // runtime directory of their own: other tests' roots are called root too.
  const env = { XDG_RUNTIME_DIR: scratch(t) };
  const c1 = startContain(t, ['-c', busyboxRoot(t), '/bin/sh', '-c', LOOP], { env });
  const first = await until(() => list({ env }).find((c) => c.pid === c1.pid), 15_000);
  assert.equal(first?.name, 'root');
  const c2 = startContain(t, ['-c', busyboxRoot(t), '/bin/sh', '-c', LOOP], { env });
  const second = await until(() => list({ env }).find((c) => c.pid === c2.pid), 15_000);
  assert.equal(second?.name, 'root-2');
});

test('a name may start with a digit and inject takes it; a DIR of digits alone gets a name that is no pid', { timeout: 60_000 }, async (t) => {
  // In a runtime directory of its own: other tests' containers come and go in the shared one.
  const env = { XDG_RUNTIME_DIR: scratch(t) };
  await named(t, '9lives', busyboxRoot(t), { env });
  let r = cli('inject', ['9lives', 'hostname'], { env });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '9lives-host\n', '']);
  const root = join(busyboxRoot(t), '..', '2024');
  r = run('/bin/mv', [join(root, '..', 'root'), root]);
  assert.equal(r.status, 0, r.stderr);
  const c = startContain(t, ['-c', root, '/bin/sh', '-c', LOOP], { env });
  const info = await until(() => list({ env }).find((x) => x.pid === c.pid), 15_000);
  assert.equal(info?.name, 'container-2024');
  r = cli('inject', ['container-2024', 'true'], { env });
  assert.deepEqual([r.status, r.stderr], [0, '']);
});

test('the same root twice: the second start fails with one line naming the first', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  await named(t, 'first', root);
  const r = cli('contain', ['-c', '--name', 'second', root, '/bin/true']);
  assert.equal(r.status, 64);
  assert.match(r.stderr, new RegExp(`^contain: ${root} is the root of the running container first \\(`));
  assert.match(r.stderr, /^[^\n]+\n$/);
  assert.deepEqual(list().map((c) => c.name).filter((n) => n === 'second'), []);
  // Through a symbolic link to it, the same tree (its real path).
  const link = join(scratch(t), 'link');
  assert.equal(run('/bin/ln', ['-s', root, link]).status, 0);
  const r2 = cli('contain', ['-c', '--name', 'third', link, '/bin/true']);
  assert.equal(r2.status, 64, r2.stderr);
  assert.match(r2.stderr, new RegExp(`^contain: ${root} is the root of the running container first \\([^\\n]*\\n$`));
});

test('after SIGKILL of a supervisor its name and root are free again, and its entry is gone', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await named(t, 'killed', root);
  const entry = join(runtimeDir(TEST_USER), 'contain', 'killed');
  assert.ok(statSync(entry).isDirectory());
  c.child.kill('SIGKILL');
  await c.done;
  assert.deepEqual(list().map((x) => x.name).filter((n) => n === 'killed'), []);
  // The janitor removes the entry the supervisor could not.
  const gone = await until(() => { try { statSync(entry); return false; } catch { return true; } }, 5000);
  assert.ok(gone, gone || `left: ${readdirSync(entry)}`);
  const again = await named(t, 'killed', root);
  assert.equal(list().find((x) => x.name === 'killed').pid, again.child.pid);
});

test('a SIGKILL to the whole job (its process group) leaves the janitor, which removes the entry', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await named(t, 'job', root, { detached: true });
  const entry = join(runtimeDir(TEST_USER), 'contain', 'job');
  assert.ok(existsSync(entry));
  process.kill(-c.child.pid, 'SIGKILL');
  await c.done;
  assert.ok(await until(() => !existsSync(entry), 5000), `left: ${existsSync(entry) && readdirSync(entry)}`);
});

test('a name held by a start not yet done is refused as taken by a container that is starting', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const entry = join(runtimeDir(TEST_USER), 'contain', 'racing');
  // What a start holds before its info is written: the entry and its lock.
  assert.equal(run('/bin/sh', ['-c', `mkdir -m 700 ${entry} && : > ${entry}/lock`]).status, 0);
  t.after(() => run('/bin/rm', ['-rf', entry]));
  const holder = start('/usr/bin/flock', ['-x', join(entry, 'lock'), '-c', 'echo held; sleep 30']);
  t.after(() => holder.kill('SIGKILL'));
  let output = '';
  holder.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('held'), 5000));
  const r = cli('contain', ['-c', '--name', 'racing', root, '/bin/true']);
  assert.deepEqual([r.status, r.stderr], [64, 'contain: the name racing is taken by a container that is starting\n']);
});

test('after SIGKILL of contain during its start, the name is free at once, not after a grace', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const entry = join(runtimeDir(TEST_USER), 'contain', 'early');
  // -i runs before the container's info is written: the entry is there,
  // locked by contain, with nothing else in it.
  const child = startContain(t, ['-c', '--name', 'early', '-i', 'sleep 30', root, '/bin/true']);
  const done = finished(child);
  assert.ok(await until(() => existsSync(join(entry, 'lock')), 10_000), 'the entry was made');
  assert.ok(!existsSync(join(entry, 'info.json')));
  child.kill('SIGKILL');
  await done;
  const r = cli('contain', ['-c', '--name', 'early', root, '/bin/true']);
  assert.deepEqual([r.status, r.stderr], [0, '']);
  assert.ok(!existsSync(entry), 'the entry is gone after the second container');
});

test('an entry a start left half-made (.new-PID-NAME, its lock free) is swept by --list; a held one is not', (t) => {
  const base = join(runtimeDir(TEST_USER), 'contain');
  const dead = join(base, '.new-999999-gone');
  const live = join(base, '.new-999998-busy');
  assert.equal(run('/bin/sh', ['-c', `mkdir -p ${base} && mkdir -m 700 ${dead} ${live} && : > ${dead}/lock && : > ${live}/lock`]).status, 0);
  t.after(() => run('/bin/rm', ['-rf', dead, live]));
  const holder = start('/usr/bin/flock', ['-x', join(live, 'lock'), '-c', 'echo held; sleep 30']);
  t.after(() => holder.kill('SIGKILL'));
  let output = '';
  holder.stdout.on('data', (d) => { output += d; });
  return until(() => output.includes('held'), 5000).then((held) => {
    assert.ok(held);
    list();
    assert.ok(!existsSync(dead), 'the dead one was swept');
    assert.ok(existsSync(live), 'the held one is left alone');
  });
});

test('a root claimed again as its supervisor is SIGKILLed keeps its claim: the janitor leaves a held lock', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const c = await named(t, 'claimed', root);
  const base = join(runtimeDir(TEST_USER), 'contain');
  const lock = readdirSync(base).filter((f) => f.startsWith('.root-'))
    .map((f) => join(base, f)).find((f) => readFileSync(f, 'utf8').trim() === 'claimed');
  assert.ok(lock, 'the root has a lock file naming the container');
  // A claimer that waits on the lock takes it the moment the supervisor
  // dies; the janitor, which wakes then too, may remove the file only
  // while it holds it, so that a claimer checking, as claimRoot() does,
  // that it locked the file the path names never loses its claim: a
  // third start could otherwise claim the root.
  const CLAIM = 'import fcntl, os, sys, time\n'
    + 'while True:\n'
    + '  fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n'
    + '  fcntl.flock(fd, fcntl.LOCK_EX)\n'
    + '  try:\n'
    + '    if os.stat(sys.argv[1]).st_ino == os.fstat(fd).st_ino: break\n'
    + '  except FileNotFoundError: pass\n'
    + '  os.close(fd)\n'
    + 'print("held", flush=True)\n'
    + 'time.sleep(5)\n';
  const holder = start('python3', ['-c', CLAIM, lock]);
  const held = finished(holder);
  t.after(() => holder.kill('SIGKILL'));
  let output = '';
  holder.stdout.on('data', (d) => { output += d; });
  c.child.kill('SIGKILL');
  await c.done;
  assert.ok(await until(() => output.includes('held'), 5000), 'the waiting claimer got the lock');
  const entry = join(base, 'claimed');
  assert.ok(await until(() => !existsSync(entry), 5000), 'the janitor removed the entry');
  assert.ok(existsSync(lock), 'the lock file a claimer holds is still there');
  const probe = run('/usr/bin/flock', ['-n', lock, 'true']);
  assert.equal(probe.status, 1, 'the file the path names is the one the claimer holds');
  holder.kill('SIGKILL');
  await held;
});

test('the janitor sweeps its own entry only: a new start of the same name, not yet locked, is left alone', { timeout: 60_000 }, async (t) => {
  const c = await named(t, 'reused', busyboxRoot(t));
  const entry = join(runtimeDir(TEST_USER), 'contain', 'reused');
  // The supervisor's argv[0] becomes "janitor" in its janitor.
  const cmdline = (pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'latin1'); } catch { return ''; } };
  const janitor = Number(readdirSync('/proc').find((pid) => /^\d+$/.test(pid) && cmdline(pid) === 'janitor\0reused\0'));
  assert.ok(janitor > 0, 'the container has a janitor');
  t.after(() => { try { process.kill(janitor, 'SIGKILL'); } catch { /* gone */ } });
  // Held while the container ends and its supervisor removes the entry,
  // and a new start takes the name: its directory and lock file made,
  // the lock not taken yet.
  process.kill(janitor, 'SIGSTOP');
  c.child.kill('SIGTERM');
  await c.done;
  assert.ok(!existsSync(entry), 'the supervisor removed its entry');
  assert.equal(run('/bin/sh', ['-c', `mkdir -m 700 ${entry} && : > ${entry}/lock && echo '{}' > ${entry}/info.json`]).status, 0);
  t.after(() => run('/bin/rm', ['-rf', entry]));
  process.kill(janitor, 'SIGCONT');
  assert.ok(await until(() => ['Z', undefined].includes(processState(janitor)), 5000), 'the janitor ended');
  assert.deepEqual(readdirSync(entry).sort(), ['info.json', 'lock']);
});

test('the registry is private: 0700, and a runtime directory of someone else is refused', { timeout: 60_000 }, async (t) => {
  const c = await named(t, 'private', busyboxRoot(t));
  const base = join(runtimeDir(TEST_USER), 'contain');
  assert.equal(statSync(base).mode & 0o777, 0o700);
  assert.equal(statSync(join(base, 'private')).mode & 0o777, 0o700);
  assert.equal(c.child.exitCode, null);
  // Without XDG_RUNTIME_DIR: /tmp/contain-UID, which must be ours and 0700.
  // Spoilt for RANGE_USER, whom no other test runs contain as: tests
  // running beside this one start contains of TEST_USER's there.
  if (!needs(t, process.getuid() === 0, 'making a directory of another owner needs root')) return;
  const other = account(RANGE_USER);
  if (!needs(t, other, `user ${RANGE_USER}`)) return;
  const user = RANGE_USER, { uid, gid } = other;
  const fallback = `/tmp/contain-${uid}`;
  run('/bin/sh', ['-c', `mkdir -p ${fallback} && chmod 0777 ${fallback}`], { user: 'root' });
  t.after(() => run('/bin/rm', ['-rf', fallback], { user: 'root' }));
  // Its own ids only: whether it has a range is not this test's business.
  const r = cli('contain', ['-c', '-u', `0:${uid}:1`, '-g', `0:${gid}:1`, busyboxRoot(t, user), '/bin/true'],
    { user, env: { XDG_RUNTIME_DIR: '' } });
  assert.equal(r.status, 125);
  assert.match(r.stderr, new RegExp(`^contain: ${fallback} is not a private directory of yours \\(mode 0700\\)`));
  // Nor is it read: whoever made it could list containers there that
  // --stop would signal, or inject enter, as the user's own.
  for (const [tool, args] of [['contain', ['--list']], ['contain', ['--stop', 'web']], ['inject', ['web', 'true']]]) {
    const r2 = cli(tool, args, { user, env: { XDG_RUNTIME_DIR: '' } });
    assert.equal(r2.status, 125, `${tool} ${args.join(' ')}: ${r2.stderr}`);
    assert.match(r2.stderr, new RegExp(`^${tool}: ${fallback} is not a private directory of yours \\(mode 0700\\)[^\\n]*\\n$`));
  }
});

test('another user\'s containers are neither listed nor reachable by name', { timeout: 60_000 }, async (t) => {
  if (!needs(t, account(NOSUB_USER), `user ${NOSUB_USER}`)) return;
  const root = busyboxRoot(t, NOSUB_USER);
  const theirs = await named(t, 'theirs', root, { user: NOSUB_USER });
  assert.deepEqual(list({ user: NOSUB_USER }).map((c) => c.name), ['theirs']);
  assert.deepEqual(list().filter((c) => c.name === 'theirs'), []);
  let r = cli('contain', ['--stop', 'theirs']);
  assert.equal(r.status, 125);
  r = cli('inject', ['theirs', 'true']);
  assert.equal(r.status, 125);
  assert.equal(theirs.child.exitCode, null);
  // Nor by pid.
  r = cli('inject', [String(theirs.child.pid), 'true']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /belongs to another user/);
});

test('--log into a pipe its reader closes early ends quietly, with status 0', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  // Enough output that the log outgrows what one pipe buffer takes.
  let r = cli('contain', ['-d', '--name', 'loud', root, '/bin/sh', '-c',
    'i=0; while [ $i -lt 3000 ]; do echo "line $i of a log that is long enough to fill pipes"; i=$((i+1)); done; echo done; exec sleep 1000']);
  t.after(() => cli('contain', ['--stop', 'loud']));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(await until(() => cli('contain', ['--log', 'loud']).stdout.includes('done'), 10_000));
  const bin = BIN.contain;
  r = run('/bin/bash', ['-c', `set -o pipefail; ${bin} --log loud | head -c 100 >/dev/null; echo "status $?"`]);
  assert.deepEqual([r.stdout, r.stderr], ['status 0\n', '']);
});

test('contain --detach prints the name and returns once PID 1 runs; --log shows its output', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const started = Date.now();
  let r = cli('contain', ['-d', '--name', 'bg', root, '/bin/sh', '-c', 'echo "log line"; exec sleep 1000']);
  t.after(() => cli('contain', ['--stop', 'bg']));
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'bg\n', '']);
  assert.ok(Date.now() - started < 10_000);
  const info = list().find((c) => c.name === 'bg');
  assert.ok(info, 'bg is listed');
  // Its supervisor is nobody's child of ours: it runs in a session of its own.
  const stat = readFileSync(`/proc/${info.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  assert.equal(Number(stat[3]), info.pid, 'a session of its own');
  assert.ok(await until(() => cli('contain', ['--log', 'bg']).stdout.includes('log line'), 5000));
  r = cli('contain', ['--stop', 'bg']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(list().filter((c) => c.name === 'bg'), []);
  // Its output goes to the log of its console: without one, refused.
  r = cli('contain', ['-d', '-c', root, '/bin/true']);
  assert.deepEqual([r.status, r.stdout, r.stderr],
    [64, '', 'contain: -d needs the console: its output goes to the log (see --help)\n']);
});
