// Running containers for inject's tests: contain started as the test
// user (or another), its PID 1 found from the host, and both killed after.
import { spawnSync } from 'node:child_process';
import { chownSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AS_ROOT, BIN, TEST_USER, account, finished, start, until } from './helpers.mjs';

function read(path) {
  try { return readFileSync(path, 'latin1'); } catch { return ''; }
}

/** Host pid of the container's PID 1 under contain `pid`, once it has exec'd. */
export function containerInit(pid) {
  for (const child of read(`/proc/${pid}/task/${pid}/children`).split(' ').filter(Boolean)) {
    if (read(`/proc/${child}/environ`).split('\0').includes('container=contain')) return Number(child);
  }
  return undefined;
}

export function comm(pid) {
  return read(`/proc/${pid}/comm`).trim();
}

/**
 * Starts `contain ARGS...` as `user` and waits until its PID 1 runs a
 * program called `ready` (the last one its command execs). Killed after
 * the test. Returns { pid: contain's pid, init: PID 1's host pid, ended }.
 */
export async function startContainer(t, args, { user = TEST_USER, ready } = {}) {
  const child = start(BIN.contain, args, { user, stdio: ['ignore', 'pipe', 'pipe'] });
  const ended = finished(child);
  let gone = false;
  ended.then(() => { gone = true; });
  t.after(async () => {
    if (!gone) child.kill('SIGKILL');
    await ended;
  });
  const init = await until(() => {
    if (gone) return 'gone';
    const pid = containerInit(child.pid);
    return pid && (!ready || comm(pid) === ready) ? pid : undefined;
  }, 20_000);
  if (typeof init !== 'number') {
    const result = gone ? await ended : 'still starting';
    throw new Error(`contain did not start: ${JSON.stringify(result)}`);
  }
  return { pid: child.pid, init, ended };
}

/**
 * Compiles a static C program into the container root's /bin, owned by
 * `user` (an id mapped inside, so that exec() treats it as the container's).
 */
export function compileStatic(root, name, source, user = TEST_USER) {
  const file = join(dirname(root), `${name}.c`);
  writeFileSync(file, source);
  const output = join(root, 'bin', name);
  const r = spawnSync('gcc', ['-static', '-O2', '-o', output, file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`gcc -static ${name}: ${r.error ?? r.stderr}`);
  if (AS_ROOT) {
    const who = account(user);
    chownSync(output, who.uid, who.gid);
  }
  return `/bin/${name}`;
}

/** Namespace links of a process, as { name: 'name:[inode]' }, read from the host. */
export function namespacesOf(pid) {
  return Object.fromEntries(readdirSync(`/proc/${pid}/ns`).map((name) => [name, readlinkSync(`/proc/${pid}/ns/${name}`)]));
}

/**
 * Copies a dynamically linked host program (e.g. /bin/bash) into a
 * container root with the libraries and ELF interpreter it needs, at the
 * same paths, owned by `user`. Returns its path inside.
 */
export function copyHostProgram(root, program, user = TEST_USER) {
  const script = [
    'set -e',
    `for f in "$1" $(ldd "$1" | grep -o '/[^ ]*'); do mkdir -p "$2$(dirname "$f")"; rm -f "$2$f"; cp -L "$f" "$2$f"; done`,
  ].join('\n');
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', program, root], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`copying ${program}: ${r.stderr}`);
  if (AS_ROOT) {
    const who = account(user);
    spawnSync('chown', ['-R', `${who.uid}:${who.gid}`, root]);
  }
  return program;
}
