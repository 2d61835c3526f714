// pseudo given bad input leaves nothing behind: no process, no file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { AS_ROOT, BIN, TEST_USER, needs, scratch, subids } from './helpers.mjs';

const quote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/** Host pids whose environment holds `entry`. */
function carrying(entry) {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry); } catch { return false; }
  });
}

test('bad input leaves no process and no file behind, in /tmp or the working directory', (t) => {
  if (!needs(t, AS_ROOT, 'running as root, to give the runs a /tmp of their own')) return;
  const past = Math.max(...subids('/etc/subuid', TEST_USER).map((r) => r.start + r.count), 200000);
  const cases = [
    { args: ['--bogus', 'true'], status: 64 },
    { args: ['-u', 'x:1:1', 'true'], status: 64 },
    { args: ['-u', '0:1:1,0:2:2', 'true'], status: 64 },
    { args: ['-g', `0:${past}:1`, 'true'], status: 64 },
    { args: ['rc-no-such-command'], status: 127 },
    { args: ['/etc/passwd'], status: 126 },
    { args: ['/'], status: 126 },
    { args: ['true'], status: 0 },
  ];
  const dir = scratch(t);
  const mark = `RC_CLEANUP=${process.pid}-${Date.now()}`;
  const pseudo = (args) => `env -i PATH=/usr/bin:/bin ${mark} ${BIN.pseudo} ${args.map(quote).join(' ')}`;
  const lines = cases.map(({ args }) => `${pseudo(args)} >/dev/null 2>&1; echo $?`);
  // pseudo's own failure: no user namespaces left to create.
  lines.push(`unshare --user --map-root-user sh -c ${quote(`echo 0 > /proc/sys/user/max_user_namespaces && ${pseudo(['true'])}`)} >/dev/null 2>&1; echo $?`);
  // A /tmp of the runs' own (a tmpfs in a private mount namespace) shows
  // what they leave there, whatever else runs on this machine meanwhile.
  const script = [
    'mount -t tmpfs -o mode=1777 rc-tmp /tmp || exit 99',
    `setpriv --reuid ${TEST_USER} --regid ${TEST_USER} --init-groups -- sh -c ${quote(lines.join('\n'))}`,
    'echo "tmp:$(ls -A /tmp | tr "\\n" " ")"',
  ].join('\n');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script],
    { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n');
  assert.deepEqual(out.slice(0, -1).map(Number), [...cases.map((c) => c.status), 125]);
  assert.equal(out.at(-1), 'tmp:', 'nothing left in /tmp');
  assert.deepEqual(readdirSync(dir), [], 'nothing left in the working directory');
  assert.deepEqual(carrying(mark), [], 'no process of these runs is left');
});
