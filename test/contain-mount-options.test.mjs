// Mounts declared with --bind, --ro-bind and --tmpfs, a read-only or a
// throwaway root, and what contain creates in DIR (and nowhere else, even
// through links in DIR), as the test user sees it from both sides.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import {
  AS_ROOT, BIN, TEST_USER, account, asUser, busyboxRoot, cli, finished, needs, run, scratch, until,
} from './helpers.mjs';
import { hostMountPoints, mountPointsOf, startContain, writeAs } from './contain-support.mjs';

/** Runs a script as PID 1 (no console) with `flags` before DIR. */
function contain(flags, root, script) {
  return cli('contain', ['-c', ...flags, root, '/bin/sh', '-c', script]);
}

/** contain that must succeed: its output. */
function inside(flags, root, script) {
  const r = contain(flags, root, script);
  assert.equal(r.stderr, '', 'contain printed an error');
  assert.equal(r.status, 0, `the script failed: ${r.stdout}`);
  return r.stdout;
}

/** A directory of the test user's with one file in it. */
function hostDir(t, file = 'note', text = 'from the host\n') {
  const dir = join(scratch(t), 'shared');
  mkdirSync(dir);
  chownSync(dir, account(TEST_USER).uid, account(TEST_USER).gid);
  writeAs(join(dir, file), text);
  return dir;
}

/**
 * Every entry below `dir` with its type, mode, owner, size, mtime and
 * content (a hash) or link target: equal listings are equal trees.
 */
function listing(dir) {
  const lines = [];
  const walk = (path, name) => {
    const s = lstatSync(path);
    let what = '';
    if (s.isFile()) what = createHash('sha256').update(readFileSync(path)).digest('hex');
    else if (s.isSymbolicLink()) what = `-> ${readlinkSync(path)}`;
    lines.push(`${name} ${s.mode.toString(8)} ${s.uid}:${s.gid} ${s.size} ${s.mtimeMs} ${what}`);
    if (s.isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry), `${name}/${entry}`);
  };
  walk(dir, '.');
  return lines;
}

/** A busybox root without dev, proc and sys: contain needs them as mount points. */
function bareRoot(t) {
  const root = busyboxRoot(t);
  for (const point of ['dev', 'proc', 'sys']) rmSync(join(root, point), { recursive: true });
  return root;
}

/** One line on stderr, `contain: ...`. */
function oneLine(r) {
  assert.match(r.stderr, /^contain: [^\n]+\n$/, r.stderr);
  return r.stderr;
}

test('--bind shows a host directory, writable, and a single file; no mount shows in the host\'s table',
  { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  const file = join(scratch(t), 'single');
  writeAs(file, 'one file\n');
  const before = hostMountPoints();
  const child = startContain(t, ['-c', '--bind', `${shared}:/data`, '--bind', `${file}:/etc/single`,
    '--ro-bind', `${shared}:/ro`, '--ro-bind', `${file}:/etc/ro-single`, '--tmpfs', '/scratch', root, '/bin/sh', '-c',
    'cat /data/note /etc/single; echo inside > /data/made; echo more >> /etc/single; echo ready; exec sleep 100']);
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('ready'), 15_000), 'the container did not start');
  assert.deepEqual(hostMountPoints(), before, 'a mount showed in the host\'s table');
  child.kill('SIGKILL');
  await done;
  assert.equal(output, 'from the host\none file\nready\n');
  // Written inside as container root: the test user's on the host.
  assert.equal(readFileSync(join(shared, 'made'), 'utf8'), 'inside\n');
  assert.equal(lstatSync(join(shared, 'made')).uid, account(TEST_USER).uid);
  assert.equal(readFileSync(file, 'utf8'), 'one file\nmore\n');
});

test('--bind SRC without DST shows SRC at its own path, with the mounts below it', (t) => {
  if (!needs(t, AS_ROOT, 'mounting below SRC needs root')) return;
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  mkdirSync(join(shared, 'below'));
  // In a mount namespace of the test's own, so the host's table is untouched.
  const [file, argv] = asUser(TEST_USER, BIN.contain, ['-c', '--bind', shared, root, '/bin/cat',
    `${shared}/note`, `${shared}/below/inner`]);
  const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
    `mount -t tmpfs tmpfs ${shared}/below && echo below > ${shared}/below/inner && exec "$@"`, 'sh', file, ...argv],
  { user: 'root' });
  assert.equal(r.stderr, '');
  assert.deepEqual([r.status, r.stdout], [0, 'from the host\nbelow\n']);
});

test('no mount made inside propagates back, even where DIR and SRC are shared mounts', (t) => {
  if (!needs(t, AS_ROOT, 'making shared mounts needs root')) return;
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  const who = account(TEST_USER);
  // In a mount namespace of the test's own, DIR and SRC made shared as on
  // a systemd host: a mount inside would show below them if it propagated.
  const [file, argv] = asUser(TEST_USER, BIN.contain, ['-c', '--bind', `${shared}:/data`, root, '/bin/sh', '-c',
    'mkdir /data/sub && mount -t tmpfs tmpfs /data/sub && mount -t tmpfs tmpfs /tmp && echo mounted']);
  const r = run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', [
    `mount --bind ${root} ${root}`, `mount --make-shared ${root}`,
    `mount -t tmpfs tmpfs ${shared}`, `chown ${who.uid}:${who.gid} ${shared}`, `mount --make-shared ${shared}`,
    '"$@"', `awk '{ print $5 }' /proc/self/mountinfo | grep -e '^${root}' -e '^${shared}'`,
  ].join(' && '), 'sh', file, ...argv], { user: 'root' });
  assert.equal(r.stderr, '');
  assert.deepEqual([r.status, r.stdout], [0, `mounted\n${root}\n${shared}\n`]);
});

test('--ro-bind is read-only, also after the container\'s root remounts it writable', (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  const file = join(scratch(t), 'single');
  writeAs(file, 'one file\n');
  const hostBefore = listing(shared);
  const out = inside(['--ro-bind', `${shared}:/ro`, '--ro-bind', `${file}:/etc/single`], root, [
    'cat /ro/note /etc/single',
    'for p in /ro/note /ro/new /etc/single; do (echo x >> $p) 2>&1; done',
    'mount -o remount,rw /ro 2>/dev/null; mount -o remount,bind,rw /ro; mount -o remount,bind,rw /etc/single',
    'for p in /ro/note /ro/new /etc/single; do (echo x >> $p) 2>&1; done',
    'rm /ro/note 2>&1; true',
  ].join('; '));
  const lines = out.trim().split('\n');
  assert.deepEqual(lines.slice(0, 2), ['from the host', 'one file']);
  const refusals = lines.slice(2);
  assert.equal(refusals.length, 7, out);
  for (const line of refusals) assert.match(line, /Read-only file system/);
  assert.deepEqual(listing(shared), hostBefore);
  assert.equal(readFileSync(file, 'utf8'), 'one file\n');
});

test('--ro-bind keeps the owner and mode of the directory it shows', (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  run('chmod', ['0750', shared]);
  const out = inside(['--ro-bind', `${shared}:/ro`, '--bind', `${shared}:/rw`], root, 'stat -c "%a %u:%g" /ro /rw');
  const [ro, rw] = out.trim().split('\n');
  assert.equal(ro, rw);
  assert.equal(ro, '750 0:0');
});

test('--ro-bind of a device node binds it: devices are not in a file system overlayfs takes', (t) => {
  const root = busyboxRoot(t);
  const out = inside(['--ro-bind', '/dev/null:/etc/null'], root,
    'stat -c "%F %t,%T" /etc/null; echo gone > /etc/null && echo written; '
    + 'awk \'$5 == "/etc/null" { print $6 }\' /proc/self/mountinfo');
  assert.match(out, /^character special file 1,3\nwritten\nro,/);
});

test('--tmpfs mounts a fresh tmpfs with the size, mode and flags given', (t) => {
  const root = busyboxRoot(t);
  const out = inside(['--tmpfs', '/scratch:size=2m,mode=1777,noexec', '--tmpfs', '/plain'], root,
    'stat -c "%a %u" /scratch /plain; cat /proc/self/mountinfo; echo x > /scratch/x && echo written');
  const [scratchMode, plainMode] = out.split('\n');
  assert.equal(scratchMode, '1777 0');
  assert.equal(plainMode, '755 0');
  const mounts = mountPointsOf(out.split('\n').slice(2, -2).join('\n'));
  const at = (point) => mounts.filter((m) => m.point === point).pop();
  assert.equal(at('/scratch').type, 'tmpfs');
  assert.match(at('/scratch').options, /(^|,)noexec(,|$)/);
  assert.match(at('/scratch').options, /(^|,)nosuid(,|$)/);
  assert.match(out, /size=2048k/);
  assert.equal(at('/plain').type, 'tmpfs');
  assert.match(out, /^written$/m);
});

test('mounts are made in the order given: a later one may land inside an earlier one, or hide it', (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  assert.equal(inside(['--tmpfs', '/mnt', '--bind', `${shared}:/mnt/sub`], root, 'cat /mnt/sub/note'), 'from the host\n');
  assert.equal(inside(['--bind', `${shared}:/mnt/sub`, '--tmpfs', '/mnt'], root, 'ls -A /mnt; echo end'), 'end\n');
  // Mount points in a tmpfs are made there, not in DIR.
  assert.deepEqual(readdirSync(join(root, 'mnt')), ['sub']);
});

test('--ephemeral: changes inside are gone, DIR is the same byte for byte and owner for owner', (t) => {
  const root = busyboxRoot(t);
  writeAs(join(root, 'etc/conf'), 'original\n');
  writeAs(join(root, 'etc/gone'), 'delete me\n');
  mkdirSync(join(root, 'olddir'));
  chownSync(join(root, 'olddir'), account(TEST_USER).uid, account(TEST_USER).gid);
  // An owner from the user's delegated ids, as pseudo(1) makes them.
  assert.equal(cli('pseudo', ['chown', '1000:1000', join(root, 'etc/conf')]).status, 0);
  const before = listing(root);
  const out = inside(['--ephemeral'], root, [
    'echo changed > /etc/conf', 'chown 0:0 /etc/conf', 'chmod 600 /etc/passwd', 'rm /etc/gone /bin/ls',
    'rmdir /olddir', 'mkdir /newdir', 'echo new > /newdir/file', 'ln -s nowhere /newlink',
    'cat /etc/conf /newdir/file', 'stat -c "%u %a" /etc/conf /etc/passwd', 'busybox ls / | tr "\\n" " "',
  ].join(' && '));
  assert.equal(out, 'changed\nnew\n0 644\n0 600\nbin dev etc newdir newlink proc root sbin sys tmp ');
  assert.deepEqual(listing(root), before);
});

test('two --ephemeral containers on one DIR at once see only their own changes', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const sync = hostDir(t);
  const before = listing(root);
  const script = (name) => `echo ${name} > /mark; touch /sync/${name}-ready; `
    + 'while [ ! -e /sync/go ]; do sleep 0.05; done; cat /mark; ls /sync-*; true';
  const children = ['a', 'b'].map((name) => startContain(t, ['-c', '--ephemeral', '--bind', `${sync}:/sync`, root,
    '/bin/sh', '-c', `touch /sync-${name}; ${script(name)}`]));
  const started = children.map((child) => finished(child));
  if (!await until(() => readdirSync(sync).filter((n) => n.endsWith('-ready')).length === 2, 20_000)) {
    for (const child of children) child.kill('SIGKILL');
    const ends = await Promise.all(started);
    assert.fail(`the containers did not start: ${JSON.stringify(ends)}`);
  }
  writeAs(join(sync, 'go'), '');
  const [a, b] = await Promise.all(started);
  assert.deepEqual([a.status, a.stderr, a.stdout], [0, '', 'a\n/sync-a\n']);
  assert.deepEqual([b.status, b.stderr, b.stdout], [0, '', 'b\n/sync-b\n']);
  assert.deepEqual(listing(root), before);
});

test('--read-only: writing to / fails, also after a remount inside; a --tmpfs stays writable; DIR unchanged', (t) => {
  const root = bareRoot(t);
  const before = listing(root);
  const out = inside(['--read-only', '--tmpfs', '/scratch'], root, [
    'awk \'$5 == "/" { print $6 }\' /proc/self/mountinfo', '(touch /x) 2>&1', '(echo y >> /etc/passwd) 2>&1',
    'mount -o remount,rw / 2>/dev/null; mount -o remount,bind,rw / 2>/dev/null; (touch /x) 2>&1',
    'echo fine > /scratch/f && cat /scratch/f',
  ].join('; '));
  const lines = out.trim().split('\n');
  assert.match(lines[0], /^ro,/, 'the root is not mounted read-only');
  for (const line of lines.slice(1, 4)) assert.match(line, /Read-only file system/);
  assert.equal(lines[4], 'fine');
  assert.deepEqual(listing(root), before, 'DIR changed, or contain created mount points in it');
});

test('--read-only and --ephemeral create nothing in DIR, not even mount points', (t) => {
  const root = bareRoot(t);
  const shared = hostDir(t);
  const before = listing(root);
  for (const mode of ['--read-only', '--ephemeral']) {
    const out = inside([mode, '--bind', `${shared}:/new/data`, '--tmpfs', '/tmpfs', '--ro-bind', `${shared}/note:/etc/note`],
      root, 'ls -d /dev/null /proc/1 /sys/kernel /new/data /tmpfs; cat /etc/note');
    assert.equal(out, '/dev/null\n/new/data\n/proc/1\n/sys/kernel\n/tmpfs\nfrom the host\n');
    assert.deepEqual(listing(root), before, `${mode} changed DIR`);
  }
});

test('what contain creates in DIR: dev, proc, sys and the missing mount points, and nothing else', (t) => {
  const root = bareRoot(t);
  const shared = hostDir(t);
  const names = () => listing(root).map((l) => l.split(' ')[0]);
  const before = names();
  inside(['--bind', `${shared}:/mnt/data`, '--bind', `${shared}/note:/etc/conf.d/note`, '--tmpfs', '/run'], root, 'true');
  const added = names().filter((n) => !before.includes(n));
  assert.deepEqual(added.sort(), ['./dev', './etc/conf.d', './etc/conf.d/note', './mnt', './mnt/data', './proc', './run',
    './sys'].sort());
  // The file mount point is an empty file, the host's file untouched.
  assert.equal(readFileSync(join(root, 'etc/conf.d/note'), 'utf8'), '');
  assert.equal(readFileSync(join(shared, 'note'), 'utf8'), 'from the host\n');
});

test('a start that fails before PID 1 runs leaves nothing in DIR', (t) => {
  const empty = join(scratch(t), 'empty');
  mkdirSync(empty);
  chownSync(empty, account(TEST_USER).uid, account(TEST_USER).gid);
  // An empty root: no command in it, and contain made dev, proc and sys.
  const r = cli('contain', ['-c', empty, '/bin/true']);
  assert.deepEqual([r.status, r.stderr], [127, 'contain: /bin/true: command not found\n']);
  assert.deepEqual(readdirSync(empty), []);

  const root = bareRoot(t);
  const shared = hostDir(t);
  const before = listing(root).map((l) => l.split(' ')[0]);
  const mounts = ['--bind', `${shared}:/a/b/c`, '--tmpfs', '/t', '--bind', `${shared}/note:/etc/x/note`];
  for (const args of [
    [...mounts, root, '/no/such/command'],
    ['-i', 'exit 3', ...mounts, root, '/bin/true'],
    // The last mount fails once the others are made: a file on a directory.
    [...mounts, '--bind', `${shared}/note:/bin`, root, '/bin/true'],
  ]) {
    const failed = cli('contain', ['-c', ...args]);
    assert.notEqual(failed.status, 0);
    oneLine(failed);
    assert.deepEqual(listing(root).map((l) => l.split(' ')[0]), before, `contain ${args.join(' ')} left something`);
  }
  assert.deepEqual(readdirSync(shared), ['note']);
});

/** A victim directory in the test user's home, and what watches it. */
function victim(t) {
  const home = account(TEST_USER).home;
  const dir = mkdtempSync(join(home, 'victim-'));
  chownSync(dir, account(TEST_USER).uid, account(TEST_USER).gid);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a DST through a link in DIR creates nothing outside DIR and fails in one line', (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  const target = victim(t);
  const parent = join(root, '..');
  const parentBefore = readdirSync(parent).sort();
  for (const link of [target, '../../victim', relative(root, target)]) {
    rmSync(join(root, 'data'), { force: true });
    symlinkSync(link, join(root, 'data'));
    for (const flags of [
      ['--bind', `${shared}:/data`], ['--bind', `${shared}:/data/sub`], ['--tmpfs', '/data'],
      ['--bind', `${shared}/note:/data`], ['--ephemeral', '--bind', `${shared}:/data`],
    ]) {
      const r = contain(flags, root, 'ls /data; true');
      assert.equal(r.status, 125, `${link} ${flags.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r),
        /: \/data(\/sub)? leads through a symbolic link to nothing in the root; contain creates nothing through a link\n$/);
      assert.deepEqual(readdirSync(target), [], `${flags.join(' ')}, data -> ${link}: something in the victim`);
      assert.deepEqual(readdirSync(parent).sort(), parentBefore);
      assert.equal(readlinkSync(join(root, 'data')), link);
    }
  }
});

test('a DST through a link to a path inside DIR binds there, inside DIR', (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  mkdirSync(join(root, 'srv/data'), { recursive: true });
  run('chown', ['-R', `${account(TEST_USER).uid}`, join(root, 'srv')], { user: 'root' });
  symlinkSync('/srv/data', join(root, 'data'));
  const out = inside(['--bind', `${shared}:/data/inner`], root, 'cat /data/inner/note /srv/data/inner/note');
  assert.equal(out, 'from the host\nfrom the host\n');
  assert.deepEqual(readdirSync(join(root, 'srv/data')), ['inner']);
});

test('roots whose dev, proc or sys is a link are refused in one line, and nothing is followed', (t) => {
  const target = victim(t);
  for (const [point, link] of [['dev', '/etc'], ['dev', target], ['proc', target], ['sys', '../../victim']]) {
    const root = busyboxRoot(t);
    rmSync(join(root, point), { recursive: true });
    symlinkSync(link, join(root, point));
    const etcBefore = listing(join(root, 'etc'));
    for (const flags of [[], ['--ephemeral'], ['--read-only']]) {
      const r = contain(flags, root, 'echo x > /dev/null; echo ran');
      assert.equal(r.status, 64, `${point} -> ${link} ${flags}: ${r.stderr}`);
      assert.equal(r.stderr, `contain: ${root}: /${point} is a symbolic link; contain mounts there, so it must be a directory `
        + 'of the root\'s own\n');
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(readdirSync(target), []);
    assert.deepEqual(listing(join(root, 'etc')), etcBefore);
  }
});

test('a root whose proc is a file or dev a dangling link is refused in one line, without a mount hint', (t) => {
  for (const [point, make] of [
    ['proc', (path) => writeAs(path, 'not a directory\n')],
    ['dev', (path) => symlinkSync('nowhere', path)],
  ]) {
    const root = busyboxRoot(t);
    rmSync(join(root, point), { recursive: true });
    make(join(root, point));
    const r = contain([], root, 'echo ran');
    const kind = point === 'dev' ? 'a symbolic link' : 'not a directory';
    assert.deepEqual([r.status, r.stderr], [64,
      `contain: ${root}: /${point} is ${kind}; contain mounts there, so it must be a directory of the root's own\n`]);
  }
});

test('a DIR the user may not write and that lacks a mount point: one line naming it, and what to do', (t) => {
  if (!needs(t, AS_ROOT, 'a root the test user may not write needs root to make it')) return;
  const root = bareRoot(t);
  run('chown', ['-R', 'root:root', root], { user: 'root' });
  const r = contain([], root, 'echo ran');
  assert.deepEqual([r.status, r.stderr], [125, 'contain: create the mount point /dev: permission denied '
    + '(create it in DIR, or use --read-only or --ephemeral, which create nothing in DIR)\n']);
  assert.deepEqual(readdirSync(root).sort(), ['bin', 'etc', 'root', 'sbin', 'tmp']);
  for (const mode of ['--read-only', '--ephemeral']) assert.equal(inside([mode], root, 'echo ran'), 'ran\n');
  assert.deepEqual(readdirSync(root).sort(), ['bin', 'etc', 'root', 'sbin', 'tmp']);
});

test('bad mounts: one line naming the option, status 64 or 125, nothing created', (t) => {
  const root = bareRoot(t);
  const shared = hostDir(t);
  const missing = join(shared, 'missing');
  const names = () => listing(root).map((l) => l.split(' ')[0]);
  const before = names();
  const cases = [
    [['--bind', missing], 64, `--bind ${missing}: SRC ${missing}: no such file or directory`],
    [['--ro-bind', `${missing}:/x`], 64, `--ro-bind ${missing}:/x: SRC ${missing}: no such file or directory`],
    [['--bind', `${shared}:data`], 64, `--bind ${shared}:data: DST data is not an absolute path`],
    [['--bind', `${shared}:/a/../b`], 64, `--bind ${shared}:/a/../b: DST /a/../b has a '..' in it`],
    [['--bind', `${shared}:/`], 64, `--bind ${shared}:/: DST / is the root itself (see --read-only and --ephemeral)`],
    [['--tmpfs', '/proc/x'], 64,
      '--tmpfs /proc/x: DST /proc/x would hide or go into the container\'s own /proc, which contain mounts there'],
    [['--bind', `${shared}:/sys`], 64,
      `--bind ${shared}:/sys: DST /sys would hide or go into the container's own /sys, which contain mounts there`],
    [['--tmpfs', '/x:size=lots'], 64, '--tmpfs /x:size=lots: size=lots: not a valid value for size (see tmpfs(5))'],
    [['--tmpfs', '/x:bogus'], 64,
      '--tmpfs /x:bogus: bogus is not a tmpfs option (see mount(8) and tmpfs(5): size=, mode=, nr_inodes=, ro, noexec, ...)'],
    [['--tmpfs', '/x:uid=4000000000'], 125,
      '--tmpfs /x:uid=4000000000: the kernel refuses tmpfs option uid=4000000000: invalid argument'],
    [['--bind', `${shared}/note:/bin`], 125,
      `--bind ${shared}/note:/bin: cannot mount a file on /bin, which is a directory`],
    [['--bind', `${shared}:/bin/sh`], 125,
      `--bind ${shared}:/bin/sh: cannot mount a directory on /bin/sh, which is not a directory`],
  ];
  for (const [flags, status, message] of cases) {
    const r = contain(flags, root, 'true');
    assert.deepEqual([r.status, r.stderr], [status, `contain: ${message}\n`], flags.join(' '));
    assert.deepEqual(names(), before, `${flags.join(' ')} left something in DIR`);
  }
});

test('a layer overlayfs refuses: one line naming the option and why, 125, nothing created', (t) => {
  const root = bareRoot(t);
  const before = listing(root);
  // /proc/sys compares its names in a way of its own, which overlayfs
  // does not take in a layer.
  const hint = 'invalid argument (overlayfs does not take this directory\'s file system as a layer)';
  for (const [flags, dir, message] of [
    [['--ro-bind', '/proc/sys:/x'], root, `--ro-bind /proc/sys:/x: cannot make a read-only view of /proc/sys: ${hint}`],
    [['--ephemeral'], '/proc/sys', `--ephemeral: cannot mount an overlay of /proc/sys: ${hint}`],
    [['--read-only', '--ephemeral'], '/proc/sys', `--read-only: cannot mount an overlay of /proc/sys: ${hint}`],
  ]) {
    const r = contain(flags, dir, 'true');
    assert.deepEqual([r.status, r.stderr], [125, `contain: ${message}\n`], flags.join(' '));
  }
  assert.deepEqual(listing(root), before);
});

test('a directory with a mount in it is no overlay layer: --ro-bind, --ephemeral and --read-only name the mount', (t) => {
  if (!needs(t, AS_ROOT, 'mounting in a directory needs root')) return;
  const root = busyboxRoot(t);
  const src = realpathSync(hostDir(t));
  mkdirSync(join(src, 'inner'));
  mkdirSync(join(root, 'mnt'));
  const real = realpathSync(root);
  // In a mount namespace of the test's own, so the host's table is untouched.
  const attempt = (args) => {
    const [file, argv] = asUser(TEST_USER, BIN.contain, ['-c', ...args, root, '/bin/true']);
    return run('unshare', ['-m', 'sh', '-c', `mount -t tmpfs tmpfs ${src}/inner && mount -t tmpfs tmpfs ${real}/mnt && exec "$@"`,
      'sh', file, ...argv], { user: 'root' });
  };
  const why = '(the kernel lets a user namespace make no layer without the mounts in it: unmount it, or use --bind, '
    + 'which shows them)';
  for (const [args, message] of [
    [['--ro-bind', `${src}:/s`], `--ro-bind ${src}:/s: cannot make a read-only view of ${src}: ${src}/inner is mounted in it`],
    [['--ro-bind', `${src}/note:/n`], `--ro-bind ${src}/note:/n: cannot make a read-only view of ${src}: ${src}/inner is mounted in it`],
    [['--ephemeral'], `--ephemeral: cannot mount an overlay of ${real}: ${real}/mnt is mounted in it`],
    [['--read-only'], `--read-only: cannot mount an overlay of ${real}: ${real}/mnt is mounted in it`],
  ]) {
    const r = attempt(args);
    assert.deepEqual([r.status, r.stderr], [125, `contain: ${message}: invalid argument ${why}\n`], args.join(' '));
  }
});

test('a DST that a link in DIR leads to /, /dev, or into /proc or /sys is a usage error, and nothing is mounted', (t) => {
  const root = busyboxRoot(t);
  for (const [link, to] of [['pp', '/proc'], ['ss', 'sys'], ['dd', '/dev'], ['rl', '/']]) symlinkSync(to, join(root, link));
  for (const dst of ['/pp', '/pp/sys', '/ss/kernel', '/dd', '/rl']) {
    const r = cli('contain', ['-c', '--tmpfs', dst, root, '/bin/true']);
    assert.deepEqual([r.status, r.stderr], [64, `contain: --tmpfs ${dst}: DST ${dst} leads, through a link or a mount, `
      + 'to the root itself, to /dev, or into /proc or /sys, where contain\'s own mounts are\n'], dst);
  }
  // Inside /dev is fine, through a link as well.
  symlinkSync('/dev/shm', join(root, 'shm'));
  assert.equal(inside(['--tmpfs', '/shm/x'], root, 'grep -c " /dev/shm/x " /proc/self/mountinfo'), '1\n');
});

test('the mount points contain creates have modes 0755 and 0644, whatever the caller\'s umask', (t) => {
  const src = hostDir(t);
  const root = bareRoot(t);
  const r = run('/bin/sh', ['-c', 'umask 077 && exec "$@"', 'sh', BIN.contain, '-c', '--tmpfs', '/a/b', '--bind',
    `${src}/note:/x/y/f`, root, '/bin/true']);
  assert.deepEqual([r.status, r.stderr], [0, '']);
  const modes = ['dev', 'proc', 'sys', 'a', 'a/b', 'x', 'x/y', 'x/y/f']
    .map((p) => `${p} ${(lstatSync(join(root, p)).mode & 0o777).toString(8)}`);
  assert.deepEqual(modes, ['dev 755', 'proc 755', 'sys 755', 'a 755', 'a/b 755', 'x 755', 'x/y 755', 'x/y/f 644']);
});

test('64 mounts with their missing directories work; more, or too many mount points, is one line', (t) => {
  const root = bareRoot(t);
  const names = () => listing(root).map((l) => l.split(' ')[0]);
  const before = names();
  const tmpfs = (count, path) => Array.from({ length: count }, (_, i) => ['--tmpfs', path(i)]).flat();
  // 64 mounts, each with two directories to create on the way.
  assert.equal(inside(['--ephemeral', ...tmpfs(64, (i) => `/d${i}/a/b`)], root, 'ls -d /d63/a/b'), '/d63/a/b\n');
  for (const [flags, status, message] of [
    [tmpfs(65, (i) => `/m${i}`), 64, '65 mounts asked for: at most 64'],
    [['--network', 'slirp4netns', ...tmpfs(64, (i) => `/m${i}`)], 64,
      '64 mounts asked for: at most 63 with --network slirp4netns, which needs 1 of its own'],
    // dev, proc and sys, then ten for each mount: the 51st is one too many.
    [tmpfs(64, (i) => `/e${i}/a/b/c/d/e/f/g/h/i`), 125, '--tmpfs /e50/a/b/c/d/e/f/g/h/i: cannot create the mount point '
      + '/e50/a/b/c/d/e/f/g/h/i: contain creates at most 512 in all'],
  ]) {
    const r = contain(flags, root, 'true');
    assert.deepEqual([r.status, r.stderr], [status, `contain: ${message}\n`]);
    assert.deepEqual(names(), before);
  }
});

test('a mount point in a read-only mount must exist there: one line saying so', (t) => {
  const root = busyboxRoot(t);
  const shared = hostDir(t);
  const r = contain(['--ro-bind', `${shared}:/ro`, '--tmpfs', '/ro/inner'], root, 'true');
  assert.equal(r.status, 125);
  assert.equal(r.stderr, 'contain: --tmpfs /ro/inner: cannot create the mount point /ro/inner: read-only file system '
    + '(a mount point in a read-only mount must exist in its source)\n');
  assert.deepEqual(readdirSync(shared), ['note']);
  // Where the source has it, a mount lands inside a read-only one.
  mkdirSync(join(shared, 'inner'));
  assert.equal(inside(['--ro-bind', `${shared}:/ro`, '--tmpfs', '/ro/inner'], root, 'touch /ro/inner/x && echo ok'), 'ok\n');
});
