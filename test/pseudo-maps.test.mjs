// pseudo -u/-g: custom maps are written as given; bad ones are refused
// with one line naming the range, status 64, and the command never runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, BIN, NOSUB_USER, TEST_USER, account, asUser, cli, needs, run, scratch, subids } from './helpers.mjs';

function mapLines(text) {
  return text.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
}

function delegated(t) {
  const uids = subids('/etc/subuid', TEST_USER), gids = subids('/etc/subgid', TEST_USER);
  const ok = needs(t, uids.length > 0 && gids.length > 0 && uids[0].count >= 20 && gids[0].count >= 20,
    `${TEST_USER} has subuid and subgid ranges of at least 20 ids`);
  return ok && { me: account(TEST_USER), uid: uids[0].start, gid: gids[0].start };
}

test('custom maps given with -u and -g are the namespace\'s maps', (t) => {
  const ids = delegated(t);
  if (!ids) return;
  const dir = scratch(t);
  // Root is a delegated id, the caller is 1, and ten more delegated ids from 100.
  const u = `0:${ids.uid + 10}:1,1:${ids.me.uid}:1,100:${ids.uid}:10`;
  const g = `0:${ids.gid + 15}:1,1:${ids.me.gid}:1,100:${ids.gid}:10`;
  const file = join(dir, 'made-by-root');
  const r = cli('pseudo', ['-u', u, '-g', g, 'sh', '-c',
    `id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; mkdir ${file}`], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const [uid, gid, ...maps] = r.stdout.trim().split('\n');
  assert.equal(uid, '0');
  assert.equal(gid, '0');
  assert.deepEqual(mapLines(maps.slice(0, 3).join('\n')), [[0, ids.uid + 10, 1], [1, ids.me.uid, 1], [100, ids.uid, 10]]);
  assert.deepEqual(mapLines(maps.slice(3).join('\n')), [[0, ids.gid + 15, 1], [1, ids.me.gid, 1], [100, ids.gid, 10]]);
  // What root inside made belongs on the host to the id root was mapped to.
  assert.equal(lstatSync(file).uid, ids.uid + 10);
  assert.equal(lstatSync(file).gid, ids.gid + 15);
});

test('only one side given: the other side keeps its default map', (t) => {
  const ids = delegated(t);
  if (!ids) return;
  const r = cli('pseudo', ['-u', `0:${ids.me.uid}:1`, 'cat', '/proc/self/uid_map', '/proc/self/gid_map']);
  assert.equal(r.status, 0, r.stderr);
  const lines = mapLines(r.stdout);
  assert.deepEqual(lines[0], [0, ids.me.uid, 1]);
  assert.deepEqual(lines.slice(1, 3), [[0, ids.me.gid, 1], [1, ids.gid, subids('/etc/subgid', TEST_USER)[0].count]]);
});

/** Runs pseudo with bad options and a command that would leave a marker. */
function refused(t, options, pattern, user = TEST_USER) {
  const dir = scratch(t, user);
  const marker = join(dir, 'ran');
  const r = cli('pseudo', [...options, 'touch', marker], { user });
  assert.equal(r.status, 64, `pseudo ${options.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^pseudo: [^\n]+\n$/, 'one line');
  assert.match(r.stderr, pattern);
  assert.equal(existsSync(marker), false, `pseudo ${options.join(' ')} ran the command`);
}

test('a map whose container ranges overlap is refused, naming the range', (t) => {
  const ids = delegated(t);
  if (!ids) return;
  refused(t, ['-u', `0:${ids.me.uid}:1,0:${ids.uid}:5`],
    new RegExp(`^pseudo: -u 0:${ids.uid}:5: container ids overlap 0:${ids.me.uid}:1\\n$`));
  refused(t, ['-g', `0:${ids.gid}:10,5:${ids.me.gid}:1`],
    new RegExp(`^pseudo: -g 5:${ids.me.gid}:1: container ids overlap 0:${ids.gid}:10\\n$`));
});

test('a map whose host ranges overlap is refused, naming the range', (t) => {
  const ids = delegated(t);
  if (!ids) return;
  refused(t, ['-u', `0:${ids.uid}:10,10:${ids.uid + 9}:2`],
    new RegExp(`^pseudo: -u 10:${ids.uid + 9}:2: host ids overlap 0:${ids.uid}:10\\n$`));
  refused(t, ['-g', `0:${ids.me.gid}:1,1:${ids.me.gid}:1`],
    new RegExp(`^pseudo: -g 1:${ids.me.gid}:1: host ids overlap 0:${ids.me.gid}:1\\n$`));
});

test('a map with host ids outside the caller\'s delegation is refused, naming the range', (t) => {
  const ids = delegated(t);
  if (!ids) return;
  const ranges = subids('/etc/subuid', TEST_USER);
  const past = Math.max(...ranges.map((r) => r.start + r.count));
  refused(t, ['-u', `0:${ids.me.uid}:1,1:${past}:5`],
    new RegExp(`^pseudo: -u 1:${past}:5: host ids ${past}-${past + 4} are not yours \\(your id and delegated ranges: .*${ids.me.uid}.*\\)\\n$`));
  refused(t, ['-u', '0:0:1'], /^pseudo: -u 0:0:1: host id 0 is not yours/);
  refused(t, ['-g', `0:${ids.me.gid}:1,1:${ids.gid}:${subids('/etc/subgid', TEST_USER)[0].count + 1}`],
    /^pseudo: -g 1:\d+:\d+: host ids \d+-\d+ are not yours/);
});

test('a malformed map is refused, naming the bad part', (t) => {
  refused(t, ['-u', '0:1000'], /^pseudo: -u 0:1000: '0:1000' is not START:LOWER:COUNT\n$/);
  refused(t, ['-g', '0:x:1'], /^pseudo: -g 0:x:1: '0:x:1' is not START:LOWER:COUNT\n$/);
  refused(t, ['-u', '0:1000:1,'], /^pseudo: -u 0:1000:1,: '' is not START:LOWER:COUNT\n$/);
});

test('a map with a zero count is refused, naming the range', (t) => {
  const me = account(TEST_USER);
  refused(t, ['-u', `0:${me.uid}:0`], new RegExp(`^pseudo: -u 0:${me.uid}:0: the count is zero\\n$`));
  refused(t, ['-g', `0:${me.gid}:0`], new RegExp(`^pseudo: -g 0:${me.gid}:0: the count is zero\\n$`));
});

test('a map without container id 0 is refused: the command runs as root', (t) => {
  const me = account(TEST_USER);
  refused(t, ['-u', `1:${me.uid}:1`], new RegExp(`^pseudo: -u 1:${me.uid}:1: container id 0 is not mapped, and the command runs as root\\n$`));
  refused(t, ['-g', `5:${me.gid}:1`], new RegExp(`^pseudo: -g 5:${me.gid}:1: container id 0 is not mapped, and the command runs as root\\n$`));
});

test('a user with no subordinate ids may map only their own id', (t) => {
  const nosub = account(NOSUB_USER);
  if (!needs(t, AS_ROOT && nosub, `running as root with a user ${NOSUB_USER}`)) return;
  refused(t, ['-u', `0:${nosub.uid}:1,1:100000:1`],
    new RegExp(`^pseudo: -u 1:100000:1: host id 100000 is not yours \\(your id and delegated ranges: ${nosub.uid}\\)\\n$`), NOSUB_USER);
  const r = cli('pseudo', ['-u', `0:${nosub.uid}:1`, '-g', `0:${nosub.gid}:1`, 'id', '-u'], { user: NOSUB_USER });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0\n');
});

/** Runs pseudo as the test user in a mount namespace where newuidmap and newgidmap are /dev/null. */
function withoutHelpers(args) {
  const [file, argv] = asUser(TEST_USER, BIN.pseudo, args);
  const hide = 'for h in newuidmap newgidmap; do p=$(command -v $h) && mount --bind /dev/null "$p"; done; exec "$@"';
  return run('unshare', ['-m', 'sh', '-c', hide, 'sh', file, ...argv], { user: 'root' });
}

test('without newuidmap and newgidmap, a user with ranges gets the single mapping', (t) => {
  if (!needs(t, AS_ROOT, 'hiding the helpers needs root')) return;
  const ids = delegated(t);
  if (!ids) return;
  const r = withoutHelpers(['sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups']);
  assert.equal(r.status, 0, r.stderr);
  const [uid, uidMap, gidMap, setgroups] = r.stdout.trim().split('\n').map((l) => l.trim());
  assert.equal(uid, '0');
  assert.deepEqual(uidMap.split(/\s+/).map(Number), [0, ids.me.uid, 1]);
  assert.deepEqual(gidMap.split(/\s+/).map(Number), [0, ids.me.gid, 1]);
  assert.equal(setgroups, 'deny');
});

test('without newuidmap, a map of delegated ids is refused with the package to install', (t) => {
  if (!needs(t, AS_ROOT, 'hiding the helpers needs root')) return;
  const ids = delegated(t);
  if (!ids) return;
  const r = withoutHelpers(['-u', `0:${ids.me.uid}:1,1:${ids.uid}:5`, 'true']);
  assert.equal(r.status, 64);
  assert.equal(r.stderr, `pseudo: -u 0:${ids.me.uid}:1,1:${ids.uid}:5: mapping ids other than your own needs newuidmap `
    + '(install the uidmap package)\n');
});

/**
 * The range `usermod --add-subuids` should get: 65536 ids at 100000 + N *
 * 65536 that no line of /etc/subuid or /etc/subgid has yet.
 */
function freeRange() {
  const taken = ['/etc/subuid', '/etc/subgid'].flatMap((file) => {
    const r = run('cat', [file], { user: 'root' });
    return r.stdout.split('\n').map((l) => l.trim().split(':')).filter((f) => f.length === 3)
      .map(([, start, count]) => [Number(start), Number(count)]);
  });
  for (let start = 100000; ; start += 65536) {
    if (!taken.some(([s, c]) => s < start + 65536 && start < s + c)) return `${start}-${start + 65535}`;
  }
}

test('with no subordinate ids, pseudo and contain say in one line that only root is mapped, why, and what adds a range', (t) => {
  const nosub = account(NOSUB_USER);
  if (!needs(t, AS_ROOT && nosub, `running as root with a user ${NOSUB_USER}`)) return;
  const range = freeRange();
  const why = `only root is mapped: ${NOSUB_USER} has no subordinate ids in /etc/subuid and /etc/subgid; `
    + `add a range with: sudo usermod --add-subuids ${range} --add-subgids ${range} ${NOSUB_USER}`;
  const r = cli('pseudo', ['id', '-u'], { user: NOSUB_USER });
  assert.equal(r.stderr, `pseudo: ${why}\n`);
  assert.equal(r.stdout, '0\n');
  assert.equal(r.status, 0);
  const dir = scratch(t, NOSUB_USER);
  const contained = cli('contain', ['-c', dir, '/no/such/command'], { user: NOSUB_USER });
  assert.equal(contained.stderr.split('\n')[0], `contain: ${why}`);
  // Not when a map is given: the caller chose what to map.
  for (const args of [['-u', `0:${nosub.uid}:1`], ['-g', `0:${nosub.gid}:1`]]) {
    const given = cli('pseudo', [...args, 'id', '-u'], { user: NOSUB_USER });
    assert.equal(given.stderr, '', args.join(' '));
    assert.equal(given.stdout, '0\n');
  }
  const both = cli('pseudo', ['-u', `0:${nosub.uid}:1`, '-g', `0:${nosub.gid}:1`, 'id', '-u'], { user: NOSUB_USER });
  assert.equal(both.stderr, '');
  assert.equal(both.stdout, '0\n');
  // A user with ranges hears nothing.
  assert.equal(cli('pseudo', ['true']).stderr, '');
});

test('without newuidmap and newgidmap, the line names the package to install', (t) => {
  if (!needs(t, AS_ROOT, 'hiding the helpers needs root')) return;
  const r = withoutHelpers(['true']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, 'pseudo: only root is mapped: newuidmap and newgidmap are not installed; install the uidmap package\n');
});
