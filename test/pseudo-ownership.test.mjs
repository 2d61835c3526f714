// pseudo: files created, chowned or extracted inside belong on the host to
// the ids the maps say, and come back out with their original owners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AS_ROOT, TEST_USER, account, cli, needs, run, scratch, subids } from './helpers.mjs';

/** The host id that container id `n` is under pseudo's default map. */
function hostId(n, own, ranges) {
  if (n === 0) return own;
  let inner = 1;
  for (const r of ranges) {
    if (n < inner + r.count) return r.start + (n - inner);
    inner += r.count;
  }
  throw new Error(`container id ${n} is not mapped`);
}

function delegated(t) {
  const uids = subids('/etc/subuid', TEST_USER), gids = subids('/etc/subgid', TEST_USER);
  const ok = needs(t, uids.length > 0 && gids.length > 0, `${TEST_USER} has subuid and subgid ranges`);
  return ok && { me: account(TEST_USER), uids, gids };
}

test('chown 1000:1000 inside makes the host see the file owned by the 1000th delegated id', (t) => {
  const ids = delegated(t);
  if (!ids) return;
  const dir = scratch(t);
  const file = join(dir, 'f');
  const r = cli('pseudo', ['sh', '-c', `touch ${file} && chown 1000:1000 ${file} && stat -c %u:%g ${file}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1000:1000\n');
  const st = lstatSync(file);
  assert.equal(st.uid, hostId(1000, ids.me.uid, ids.uids));
  assert.equal(st.gid, hostId(1000, ids.me.gid, ids.gids));
  assert.equal(st.uid, ids.uids[0].start + 999);
  // A file made inside without chown is the caller's own.
  const own = join(dir, 'own');
  assert.equal(cli('pseudo', ['touch', own]).status, 0);
  assert.equal(lstatSync(own).uid, ids.me.uid);
  assert.equal(lstatSync(own).gid, ids.me.gid);
});

/** The entries of a tree built as root: path, owner, group, mode, type. */
const TREE = [
  { path: '.', uid: 0, gid: 0, mode: 0o755, type: 'dir' },
  { path: 'root-file', uid: 0, gid: 0, mode: 0o644, type: 'file' },
  { path: 'alice', uid: 1000, gid: 1000, mode: 0o640, type: 'file' },
  { path: 'bob', uid: 2000, gid: 3000, mode: 0o600, type: 'file' },
  { path: 'setuid', uid: 1000, gid: 50, mode: 0o4755, type: 'file' },
  { path: 'setgid-dir', uid: 0, gid: 2000, mode: 0o2775, type: 'dir' },
  { path: 'setgid-dir/top', uid: 65536, gid: 65536, mode: 0o444, type: 'file' },
  { path: 'sticky', uid: 7, gid: 7, mode: 0o1777, type: 'dir' },
  { path: 'link', uid: 1500, gid: 1501, mode: 0o777, type: 'symlink' },
];

/** Builds TREE as root in a root-owned directory; returns the directory. */
function buildTree(t) {
  const base = mkdtempSync(join(tmpdir(), 'rc-tree-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'tree');
  mkdirSync(root);
  for (const e of TREE) {
    const path = join(root, e.path);
    if (e.type === 'dir' && e.path !== '.') mkdirSync(path);
    if (e.type === 'file') writeFileSync(path, `${e.path}\n`);
    if (e.type === 'symlink') {
      symlinkSync('alice', path);
      lchownSync(path, e.uid, e.gid);
      continue;
    }
    // chown before chmod: chown clears the setuid and setgid bits.
    chownSync(path, e.uid, e.gid);
    chmodSync(path, e.mode);
  }
  return root;
}

/** `tar -tvf --numeric-owner` as { name: 'mode uid/gid' }. */
function listing(tarball) {
  const r = run('tar', ['--numeric-owner', '-tvf', tarball]);
  assert.equal(r.status, 0, r.stderr);
  const entries = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [mode, owner, , , , name] = line.split(/\s+/);
    entries[name.replace(/\/$/, '')] = `${mode} ${owner}`;
  }
  return entries;
}

test('pseudo tar -xpf keeps owners (mapped) and modes, and pseudo tar -c gives the owners back', (t) => {
  const ids = delegated(t);
  if (!ids || !needs(t, AS_ROOT, 'running as root, to build a tarball with several owners')) return;
  const tree = buildTree(t);
  const dir = scratch(t);
  const tarball = join(dir, 'in.tar');
  const made = run('tar', ['--numeric-owner', '-C', tree, '-cf', tarball, '.'], { user: 'root' });
  assert.equal(made.status, 0, made.stderr);
  chmodSync(tarball, 0o644);
  const original = listing(tarball);
  assert.equal(Object.keys(original).length, TREE.length);
  assert.match(original['./setuid'], /^-rwsr-xr-x 1000\/50$/);

  const out = join(dir, 'out');
  run('mkdir', [out]);
  const x = cli('pseudo', ['tar', '-xpf', tarball, '-C', out]);
  assert.equal(x.status, 0, x.stderr);
  assert.equal(x.stderr, '');

  for (const e of TREE) {
    const st = lstatSync(join(out, e.path));
    const where = `${e.path} on the host`;
    assert.equal(st.uid, hostId(e.uid, ids.me.uid, ids.uids), `${where}: owner`);
    assert.equal(st.gid, hostId(e.gid, ids.me.gid, ids.gids), `${where}: group`);
    if (e.type !== 'symlink') assert.equal(st.mode & 0o7777, e.mode, `${where}: mode`);
    assert.equal(st.isDirectory(), e.type === 'dir', `${where}: type`);
    assert.equal(st.isSymbolicLink(), e.type === 'symlink', `${where}: type`);
  }

  const back = join(dir, 'back.tar');
  const c = cli('pseudo', ['tar', '-C', out, '-cf', back, '.']);
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual(listing(back), original);
});
