// What the contain tests share: finding a container's processes from the
// host, the host's mount table, a real terminal (tmux) and a static helper
// program built for the busybox root.
import { spawnSync } from 'node:child_process';
import { chownSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, BIN, TEST_USER, account, asUser, runtimeDir, scratch, start, until } from './helpers.mjs';

/**
 * Starts contain as the test user without waiting. When the test ends,
 * contain is killed if it still runs, and its container with it.
 */
export function startContain(t, args, options) {
  const child = start(BIN.contain, args, options);
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** The pids of the direct children of `pid` (what `pgrep -P` prints). */
export function childrenOf(pid) {
  const children = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(name);
    if (s && s.ppid === pid) children.push(Number(name));
  }
  return children;
}

/** State and parent of a process from /proc/PID/stat, or undefined. */
function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

/** The PID namespace of a process, e.g. 'pid:[4026532281]'. */
export function pidNamespace(pid) {
  return readlinkSync(`/proc/${pid}/ns/pid`);
}

/** Living (not zombie) processes in a PID namespace, seen from the host. */
export function livingIn(namespace) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== namespace) continue;
    } catch {
      continue;
    }
    const s = stat(name);
    if (s && s.state !== 'Z') found.push(Number(name));
  }
  return found;
}

/**
 * Resolves true once contain's pid runs the native supervisor: PID 1 may
 * print before contain's Node has exec'd it.
 */
export function supervising(containPid) {
  const exe = () => { try { return readlinkSync(`/proc/${containPid}/exe`); } catch { return ''; } };
  return until(() => exe().endsWith('/supervisor/contain'), 5_000);
}

/**
 * Waits for contain (pid) to have started PID 1, past its exec (until
 * then PID 1 is a copy of contain, running node): its host pid.
 */
export async function pid1Of(containPid) {
  const host = pidNamespace(process.pid);
  // The file itself, not its name: names change once PID 1 has pivoted.
  const exe = (pid) => {
    try { const s = statSync(`/proc/${pid}/exe`); return `${s.dev}:${s.ino}`; } catch { return undefined; }
  };
  // Until its exec, PID 1 is a copy of contain: node, as this runner is
  // (contain's own pid may still be the env of its #! line).
  const node = exe(process.pid);
  return until(() => childrenOf(containPid).find((p) => {
    try { return pidNamespace(p) !== host && exe(p) !== undefined && exe(p) !== node; } catch { return false; }
  }), 20_000);
}

/**
 * The host's mount points where a leaked container mount would show, as a
 * sorted list: the tests' roots live under /tmp and /var/tmp, and the
 * special file systems contain mounts are /dev, /proc and /sys ones. The
 * machine's other mount points are its own and may change under a test.
 */
export function hostMountPoints() {
  const watched = /^\/($|tmp(\/|$)|var\/tmp(\/|$)|dev(\/|$)|proc(\/|$)|sys(\/|$))/;
  return readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')
    .map((line) => line.split(' ')[4]).filter((point) => watched.test(point)).sort();
}

/** Mount points, sorted, from mountinfo text read inside a container. */
export function mountPointsOf(mountinfo) {
  return mountinfo.trim().split('\n').map((line) => {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    return { point: f[4], options: f[5], type: f[dash + 1], root: f[3] };
  });
}

/**
 * Entries of /tmp that could be contain's leftovers: not those of the
 * test harness (rc-test-*), which other tests create meanwhile, nor the
 * registry of a user without a runtime directory (contain-UID), which
 * stays by design and which the first such start of any test makes.
 */
export function tmpEntries() {
  return readdirSync('/tmp').filter((n) => !n.startsWith('rc-test-') && !/^contain-\d+$/.test(n)).sort();
}

/** Gives a file made by the test runner to the test user. */
export function giveToTestUser(path) {
  if (AS_ROOT) {
    const who = account(TEST_USER);
    chownSync(path, who.uid, who.gid);
  }
}

/** Writes a file into a test root as the test user's. */
export function writeAs(path, text, mode = 0o644) {
  writeFileSync(path, text, { mode });
  giveToTestUser(path);
}

/**
 * Compiles a C program statically (so it runs in the busybox root) into
 * `dest`, owned by the test user. Returns false when this machine cannot.
 */
export function compileStatic(t, source, dest) {
  const dir = scratch(t);
  const file = join(dir, 'program.c');
  writeFileSync(file, source);
  const r = spawnSync('gcc', ['-static', '-O2', '-o', dest, file], { encoding: 'utf8' });
  if (r.status !== 0) return false;
  giveToTestUser(dest);
  return true;
}

export function hasTmux() {
  return spawnSync('tmux', ['-V']).status === 0;
}

/**
 * A tmux server of the test user's, on a socket in a scratch directory,
 * with one window running a plain shell (/bin/sh unless `shell` is given)
 * whose prompt is 'host$ '.
 */
export class Terminal {
  constructor(t, { columns = 100, rows = 30, shell = ['/bin/sh'] } = {}) {
    // Registered before scratch() so that it runs first (hooks run in
    // order): the socket is gone with the directory. By pid, in case the
    // server no longer answers.
    t.after(() => {
      this.tmux('kill-server');
      try { if (this.server) process.kill(this.server, 'SIGKILL'); } catch { /* gone */ }
    });
    this.socket = join(scratch(t), 'tmux.sock');
    this.tmux('new-session', '-d', '-x', String(columns), '-y', String(rows),
      'env', 'PS1=host$ ', 'ENV=', ...shell);
    this.server = Number(this.tmux('display-message', '-p', '#{pid}').trim()) || undefined;
  }

  tmux(...args) {
    const [file, argv] = asUser(TEST_USER, 'tmux', ['-S', this.socket, '-f', '/dev/null', ...args]);
    const r = spawnSync(file, argv, {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', HOME: '/', TERM: 'xterm', LANG: 'C.UTF-8', XDG_RUNTIME_DIR: runtimeDir(TEST_USER) },
    });
    return r.stdout;
  }

  /** Types text and presses Enter. */
  type(text) {
    this.tmux('send-keys', '-l', text);
    this.tmux('send-keys', 'Enter');
  }

  keys(...keys) {
    this.tmux('send-keys', ...keys);
  }

  screen() {
    return this.tmux('capture-pane', '-p', '-J', '-S', '-200');
  }

  /** The pane's own terminal device, e.g. /dev/pts/7. */
  tty() {
    return this.tmux('display-message', '-p', '#{pane_tty}').trim();
  }

  /** Waits until the screen matches a pattern; the screen, or undefined. */
  async waitFor(pattern, ms = 15_000) {
    const screen = await until(() => {
      const text = this.screen();
      return pattern.test(text) ? text : undefined;
    }, ms, 50);
    return screen;
  }
}

/** `stty -a` of a terminal device, read from the host by the test runner. */
export function sttyOf(device) {
  return spawnSync('stty', ['-a', '-F', device], { encoding: 'utf8' }).stdout;
}

/** The contain command line, as a shell word list, for typing. */
export function containCommand(...args) {
  return [BIN.contain, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
}

