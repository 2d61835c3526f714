// The test harness: runs the built CLIs as a real unprivileged user.
//
// Run by root (as in CI), every command runs as TEST_USER (default ctest,
// a user with /etc/subuid and /etc/subgid ranges) through setpriv, and
// NOSUB_USER (default ctestnosub) is a user with no ranges. Run by anyone
// else, commands run as that user, and tests needing NOSUB_USER skip
// unless CI is set, where nothing may skip.
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = {
  pseudo: join(REPO, 'packages/pseudo/bin/pseudo'),
  contain: join(REPO, 'packages/contain/bin/contain'),
  inject: join(REPO, 'packages/inject/bin/inject'),
};
export const AS_ROOT = process.getuid() === 0;
export const CI = Boolean(process.env.CI);
export const TEST_USER = process.env.TEST_USER ?? (AS_ROOT ? 'ctest' : userInfo().username);
export const NOSUB_USER = process.env.TEST_USER_NOSUB ?? 'ctestnosub';
/** A user with a range of its own (.ci/run makes it to hold ids before TEST_USER's). */
export const RANGE_USER = process.env.RANGE_USER ?? 'crange';

/** uid, gid and home of a user, or undefined if there is no such user. */
export function account(name) {
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const [, , uid, gid, , home] = r.stdout.trim().split(':');
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/** The ranges /etc/subuid (or subgid) delegates to a user, in file order. */
export function subids(file, user) {
  const me = account(user);
  let text = '';
  try { text = spawnSync('cat', [file], { encoding: 'utf8' }).stdout; } catch { /* none */ }
  return text.split('\n').map((l) => l.trim().split(':'))
    .filter((f) => f.length === 3 && (f[0] === user || f[0] === String(me?.uid)))
    .map(([, start, count]) => ({ start: Number(start), count: Number(count) }));
}

/**
 * The user's runtime directory, as a login session has one: contain keeps
 * its running containers there. Under /tmp as rc-test-*, which the tests
 * that watch /tmp pass over.
 */
export function runtimeDir(user) {
  const who = account(user);
  if (!who) return undefined;
  if (!AS_ROOT && process.env.XDG_RUNTIME_DIR) return process.env.XDG_RUNTIME_DIR;
  // One per checkout: two checkouts tested at once (a CI copy and a work
  // tree) would otherwise share, and take, each other's names.
  const checkout = createHash('sha256').update(REPO).digest('hex').slice(0, 8);
  const dir = join(tmpdir(), `rc-test-runtime-${who.uid}-${checkout}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { mode: 0o700 });
    if (AS_ROOT) chownSync(dir, who.uid, who.gid);
  }
  return dir;
}

function environment(user, extra) {
  const who = account(user);
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: who?.home ?? '/',
    USER: user,
    LOGNAME: user,
    SHELL: '/bin/sh',
    LANG: 'C.UTF-8',
    XDG_RUNTIME_DIR: runtimeDir(user),
    ...extra,
  };
}

/** argv that runs `command args` as `user` (directly when we are that user). */
export function asUser(user, command, args) {
  if (!AS_ROOT) return [command, args];
  return ['setpriv', ['--reuid', user, '--regid', user, '--init-groups', '--', command, ...args]];
}

/**
 * Runs a command as the test user and waits: { status, signal, stdout, stderr }.
 * options: user, input, env (added to a clean environment), cwd, timeout (ms).
 */
export function run(command, args = [], options = {}) {
  const user = options.user ?? TEST_USER;
  const [file, argv] = asUser(user, command, args);
  const r = spawnSync(file, argv, {
    input: options.input ?? '',
    env: environment(user, options.env),
    cwd: options.cwd ?? '/',
    timeout: options.timeout ?? 60_000,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a command as the test user without waiting: a ChildProcess. */
export function start(command, args = [], options = {}) {
  const user = options.user ?? TEST_USER;
  const [file, argv] = asUser(user, command, args);
  return spawn(file, argv, {
    env: environment(user, options.env),
    cwd: options.cwd ?? '/',
    stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
}

/** Resolves with { status, signal, stdout, stderr } when a started child ends. */
export function finished(child) {
  let stdout = '', stderr = '';
  child.stdout?.on('data', (d) => { stdout += d; });
  child.stderr?.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
}

/** Runs one of the CLIs (pseudo, contain, inject) as the test user. */
export function cli(name, args = [], options = {}) {
  return run(BIN[name], args, options);
}

/**
 * A fresh directory owned by the test user, removed after the test (files
 * in it may belong to the user's subordinate ids: pseudo removes those).
 */
export function scratch(t, user = TEST_USER) {
  const dir = mkdtempSync(join(tmpdir(), 'rc-test-'));
  if (AS_ROOT) {
    const who = account(user);
    chownSync(dir, who.uid, who.gid);
  }
  t.after(() => removeTree(dir));
  return dir;
}

export function removeTree(dir) {
  if (!existsSync(dir)) return;
  if (AS_ROOT) rmSync(dir, { recursive: true, force: true });
  else run(BIN.pseudo, ['rm', '-rf', dir]);
}

/** Fails in CI, skips elsewhere: for what this machine cannot show. */
export function needs(t, condition, why) {
  if (condition) return true;
  if (CI) throw new Error(`required in CI: ${why}`);
  t.skip(why);
  return false;
}

export function busyboxPath() {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) {
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/**
 * A busybox root file system owned by the test user: /bin with every
 * applet, /etc/passwd and /etc/group, empty /proc /sys /dev /tmp. Built
 * once per test file into a scratch directory.
 */
export function busyboxRoot(t, user = TEST_USER) {
  const busybox = busyboxPath();
  if (!busybox) throw new Error('busybox is not installed (apt-get install busybox-static)');
  const root = join(scratch(t, user), 'root');
  const build = [
    `mkdir -p ${root}/bin ${root}/sbin ${root}/etc ${root}/proc ${root}/sys ${root}/dev ${root}/tmp ${root}/root`,
    `cp ${busybox} ${root}/bin/busybox`,
    `for a in $(${busybox} --list); do [ "$a" = busybox ] || ln -s busybox ${root}/bin/$a; done`,
    `printf 'root:x:0:0:root:/root:/bin/sh\\n' > ${root}/etc/passwd`,
    `printf 'root:x:0:\\ntty:x:5:\\n' > ${root}/etc/group`,
    `chmod 1777 ${root}/tmp`,
  ].join(' && ');
  const r = run('/bin/sh', ['-c', build], { user });
  if (r.status !== 0) throw new Error(`building the busybox root failed: ${r.stderr}`);
  return root;
}

/** The state letter of a process (R, S, T, Z...) from /proc/PID/stat; undefined once it is gone. */
export function processState(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text[text.lastIndexOf(')') + 2];
  } catch {
    return undefined;
  }
}

/**
 * Stops a process for a moment and continues it, as killall5 does around
 * the signals of a shutdown, then waits well past the grace (200 ms) a
 * wrapper gives such a stop before it stops too.
 */
export async function stopForAMoment(pid) {
  process.kill(pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 50));
  process.kill(pid, 'SIGCONT');
  await new Promise((r) => setTimeout(r, 600));
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function until(check, ms = 5000, step = 25) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, step));
  }
}

export { writeFileSync, mkdirSync, symlinkSync, cpSync };
