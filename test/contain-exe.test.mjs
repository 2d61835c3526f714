// CVE-2019-5736, contain's side: until PID 1's exec, PID 1 is contain's
// own process image (node), in contain's memory. The -i command, which
// runs in the container's namespaces before that exec, may not open PID
// 1's /proc/PID/exe (a host binary) nor its /proc/PID/mem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, TEST_USER, busyboxRoot, cli, run } from './helpers.mjs';

// From the -i command up its parents to PID 1 of the container, whose
// NSpid ends in 1 (the -i command sees the host's /proc: pids are the
// host's, and $$ is not); then what it can open of PID 1.
const PROBE = `
p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/self/status)
for i in 1 2 3 4 5 6 7 8; do
  sed -n 's/^NSpid:.*[[:space:]]//p' /proc/$p/status | grep -qx 1 && break
  p=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$p/status)
done
echo "pid1 $p"
readlink /proc/$p/exe > /dev/null 2>&1 && echo "exe readable" || echo "exe refused"
head -c 1 /proc/$p/mem > /dev/null 2>&1 && echo "mem readable" || echo "mem refused"
exit 0`;

test('the -i command cannot open PID 1\'s /proc/PID/exe or /proc/PID/mem before its exec', (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-c', '-i', PROBE, root, '/bin/true']);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^pid1 \d+\n/);
  assert.match(r.stdout, /\nexe refused\nmem refused\n$/);
});

// The flag that keeps the -i command out belongs to the memory the child
// shares with the tool until its exec: once the command runs, the tool's
// own process is the user's to look at again (ps, ls /proc/PID/fd).
const OWNER = `
"$PSEUDO" sleep 1 & p=$!
i=0
until [ "$(for c in $(cat /proc/$p/task/*/children 2>/dev/null); do readlink /proc/$c/exe; done)" = /usr/bin/sleep ]; do
  i=$((i + 1)); [ $i -lt 500 ] || { echo "sleep never ran"; break; }
  sleep 0.02
done
stat -c %U /proc/$p/fd
ls /proc/$p/fd > /dev/null && echo "fds listed"
wait $p`;

test('pseudo\'s own process is the user\'s again once its command runs', () => {
  const r = run('/bin/sh', ['-c', OWNER], { env: { PSEUDO: BIN.pseudo } });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, `${TEST_USER}\nfds listed\n`);
});
