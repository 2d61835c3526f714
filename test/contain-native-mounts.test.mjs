// What the native side does on its own, below the checks of contain's
// TypeScript: a small program of the test user's starts containers through
// contain's own modules, as start.ts does. A file of contain's (fileMount
// in packages/contain/src/mounts.ts, for a generated /etc/resolv.conf)
// covers a link at its target, never following it, and never changes
// DIR's own file or link; a root whose dev, proc or sys is a link is
// refused by the C code too.
import assert from 'node:assert/strict';
import {
  chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, account, busyboxRoot, run, scratch, TEST_USER } from './helpers.mjs';
import { writeAs } from './contain-support.mjs';

const PROGRAM = `
const core = require(${JSON.stringify(join(REPO, 'packages/core/dist/index.js'))});
const { fileMount } = require(${JSON.stringify(join(REPO, 'packages/contain/dist/mounts.js'))});
const [root, mode, file, script] = process.argv.slice(2);
const plan = core.planMaps({});
const mounts = file ? [fileMount(file, '/etc/resolv.conf', '--network')] : [];
const config = {
  clone_flags: core.CLONE_NEWUSER | core.CLONE_NEWNS | core.CLONE_NEWPID | core.CLONE_NEWIPC | core.CLONE_NEWUTS,
  setgroups: core.setgroupsAllowed(plan) ? 1 : 0, new_session: 1, console: -1, deathsig: 9, root,
  root_mode: Number(mode), mount_count: mounts.length, mounts, console_path: null, bind_sys: 1, cgroup2: 0,
  devpts_options: 'newinstance,ptmxmode=0666,mode=0600', hostname: null, init_command: null, helper_env: null,
  file: '/bin/sh', search_path: null, argv: ['/bin/sh', '-c', script, null], envp: ['PATH=/bin', null],
};
core.spawnContained(config, plan).then((pid) => {
  const ending = core.reap(pid);
  process.exitCode = ending.code ?? 128;
}, (error) => { console.error(error.message); process.exitCode = 125; });
`;

/** Runs `script` in a container on `root` with `file` at /etc/resolv.conf. */
function withFile(t, root, mode, file, script) {
  const program = join(scratch(t), 'start.cjs');
  writeAs(program, PROGRAM);
  return run(process.execPath, [program, root, String(mode), file, script]);
}

function generated(t) {
  const file = join(scratch(t), 'resolv.conf');
  writeAs(file, 'nameserver 10.0.2.3\n');
  return file;
}

const SCRIPT = 'cat /etc/resolv.conf; (echo x >> /etc/resolv.conf) 2>&1; true';

for (const [mode, name] of [[0, 'DIR'], [1, 'an ephemeral root'], [2, 'a read-only root']]) {
  test(`a dangling link at the target is covered, not followed, in ${name}`, (t) => {
    const root = busyboxRoot(t);
    symlinkSync('../run/systemd/resolve/stub-resolv.conf', join(root, 'etc/resolv.conf'));
    const r = withFile(t, root, mode, generated(t), SCRIPT);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^nameserver 10\.0\.2\.3\n.*Read-only file system\n$/);
    assert.equal(readlinkSync(join(root, 'etc/resolv.conf')), '../run/systemd/resolve/stub-resolv.conf');
    assert.deepEqual(readdirSync(root).sort(), ['bin', 'dev', 'etc', 'proc', 'root', 'sbin', 'sys', 'tmp']);
  });
}

test('a link at the target to a host path is not followed: the host file stays as it is', (t) => {
  const root = busyboxRoot(t);
  const outside = join(scratch(t), 'outside');
  mkdirSync(outside);
  symlinkSync(join(outside, 'resolv.conf'), join(root, 'etc/resolv.conf'));
  const r = withFile(t, root, 0, generated(t), SCRIPT);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^nameserver 10\.0\.2\.3\n/);
  assert.deepEqual(readdirSync(outside), []);
});

test('DIR\'s own file is covered and unchanged; a missing one is an empty mount point, none in a throwaway root',
  (t) => {
  const root = busyboxRoot(t);
  writeAs(join(root, 'etc/resolv.conf'), 'nameserver 192.0.2.1\n');
  let r = withFile(t, root, 0, generated(t), SCRIPT);
  assert.match(r.stdout, /^nameserver 10\.0\.2\.3\n/);
  assert.equal(readFileSync(join(root, 'etc/resolv.conf'), 'utf8'), 'nameserver 192.0.2.1\n');
  rmSync(join(root, 'etc/resolv.conf'));
  r = withFile(t, root, 1, generated(t), SCRIPT);
  assert.match(r.stdout, /^nameserver 10\.0\.2\.3\n/);
  assert.deepEqual(readdirSync(join(root, 'etc')).sort(), ['group', 'passwd']);
  r = withFile(t, root, 0, generated(t), SCRIPT);
  assert.match(r.stdout, /^nameserver 10\.0\.2\.3\n/);
  assert.equal(readFileSync(join(root, 'etc/resolv.conf'), 'utf8'), '');
});

test('the C code refuses a link at dev, proc or sys too, and follows none', (t) => {
  const victim = mkdtempSync(join(account(TEST_USER).home, 'victim-'));
  chownSync(victim, account(TEST_USER).uid, account(TEST_USER).gid);
  t.after(() => rmSync(victim, { recursive: true, force: true }));
  for (const [point, link] of [['dev', '/etc'], ['dev', victim], ['proc', victim], ['sys', '../../victim']]) {
    for (const mode of [0, 1]) {
      const root = busyboxRoot(t);
      rmSync(join(root, point), { recursive: true });
      symlinkSync(link, join(root, point));
      const before = readdirSync(join(root, 'etc')).sort();
      const r = withFile(t, root, mode, '', 'echo x > /dev/null; echo ran');
      assert.equal(r.status, 125, `${point} -> ${link}: ${r.stderr}`);
      assert.equal(r.stderr, `find the mount point /${point}: too many symbolic links encountered\n`);
      assert.equal(r.stdout, '');
      assert.deepEqual(readdirSync(join(root, 'etc')).sort(), before);
      assert.deepEqual(readdirSync(victim), []);
    }
  }
});
