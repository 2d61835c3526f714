// The demo root: the host's own programs and libraries, copied by
// scripts/demo-root.sh (`tar -c -C / ... | pseudo tar -x`, run as the
// user, as a user would), and run with `contain -n ROOT /bin/bash -c ...`:
// no init, bash is PID 1.
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AS_ROOT, REPO, TEST_USER, account, removeTree, run, scratch } from '../helpers.mjs';
import { recordRow } from './compatibility.mjs';
import { Container } from './container.mjs';

const passed = new Set();
let stopSeconds;
let built;

// Built once for the file (the script takes seconds); each test runs a
// copy of its own.
const work = mkdtempSync(join(tmpdir(), 'rc-test-'));
after(() => removeTree(work));

before(() => {
  if (AS_ROOT) chownSync(work, account(TEST_USER).uid, account(TEST_USER).gid);
  built = join(work, 'root');
  const r = run('/bin/sh', [join(REPO, 'scripts/demo-root.sh'), built], { timeout: 300_000 });
  assert.equal(r.status, 0, `scripts/demo-root.sh failed: ${r.stderr}`);
});

function demoCopy(t) {
  const copy = join(scratch(t), 'root');
  const r = run('cp', ['-a', built, copy]);
  assert.equal(r.status, 0, r.stderr);
  return copy;
}

function demo(t, script, args = ['-n']) {
  let container;
  t.after(() => container?.destroy());
  container = new Container(demoCopy(t), { args, command: ['/bin/bash', '-c', script] });
  return container;
}

after(() => {
  if (passed.size !== 4) return;
  recordRow({
    distribution: 'the host\'s own programs (scripts/demo-root.sh)',
    init: 'none: bash as PID 1',
    boots: true,
    stops: true,
    notes: `\`contain -n ROOT /bin/bash -c ...\` runs and returns bash's status; SIGTERM reaches bash's trap, contain exits 0 in ${stopSeconds.toFixed(2)} s.`,
  });
});

test('demo root: pseudo tar -x maps the owners of the host\'s files onto the user', () => {
  const root = built;
  const me = account(TEST_USER).uid;
  for (const file of ['usr/bin/bash', 'etc/passwd', 'usr/bin']) assert.equal(statSync(join(root, file)).uid, me, file);
  passed.add('owners');
});

test('demo root: contain -n ROOT /bin/bash -c runs as root, with its hostname and only its processes', async (t) => {
  const container = demo(t, 'id; hostname; ps -e -o pid=,comm=; exit 7');
  const result = await container.end();
  assert.equal(result.status, 7, result.stderr);
  const [id, name, ...ps] = result.stdout.replace(/\r/g, '').trim().split('\n');
  assert.match(id, /^uid=0\(root\) gid=0\(root\)/);
  assert.equal(name, readFileSync(join(container.root, 'etc/hostname'), 'utf8').trim());
  assert.notEqual(hostname(), name);
  assert.equal(ps.length, 2, ps.join('\n'));
  assert.match(ps[0], /^\s*1 bash$/);
  assert.match(ps[1], /^\s*\d+ ps$/);
  assert.deepEqual(await container.leftovers(), []);
  passed.add('run');
});

test('demo root: contain -i "mkdir -p data; mount --bind $DATA data" shows a host directory at /data', async (t) => {
  const data = scratch(t);
  writeFileSync(join(data, 'from-host'), 'written on the host\n');
  const container = demo(t, 'cat /data/from-host; echo written inside > /data/from-inside',
    ['-i', `mkdir -p data; mount --bind ${data} data`, '-n']);
  const result = await container.end();
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.replace(/\r/g, ''), 'written on the host\n');
  assert.equal(readFileSync(join(data, 'from-inside'), 'utf8'), 'written inside\n');
  assert.equal(statSync(join(data, 'from-inside')).uid, account(TEST_USER).uid);
  passed.add('data');
});

test('demo root: inject sees bash and its child; SIGTERM reaches bash\'s trap and contain exits 0', async (t) => {
  const container = demo(t, 'trap "exit 0" TERM; sleep 1000 & wait');
  await container.service(/^sleep 1000/);
  const ps = container.inject(['ps', '-e', '-o', 'pid=,args=']);
  assert.equal(ps.status, 0, ps.stderr);
  assert.match(ps.stdout, /^\s*1 \/bin\/bash -c trap/m);
  assert.match(ps.stdout, /^\s*\d+ sleep 1000$/m);
  const asked = Date.now();
  container.signal('SIGTERM');
  const result = await container.end();
  stopSeconds = (Date.now() - asked) / 1000;
  assert.equal(result.status, 0, result.stdout);
  assert.deepEqual(await container.leftovers(), []);
  passed.add('sigterm');
});
