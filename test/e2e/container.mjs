// A container booted by `contain` as the test user, watched from the host
// through /proc: its PID 1, the processes of its PID namespace, and what
// it leaves behind when it ends.
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { BIN, TEST_USER, account, asUser, cli, finished, start, subids, until } from '../helpers.mjs';

/** The raw command line of a host process, or undefined once it is gone. */
function rawCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The command line of a host process, its arguments joined by spaces. */
function cmdline(pid) {
  return rawCmdline(pid)?.split('\0').filter(Boolean).join(' ');
}

function pidNamespace(pid) {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

function numericEntries(dir) {
  try {
    return readdirSync(dir).filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/** Host pids of the children of a process. */
function children(pid) {
  const found = [];
  for (const task of numericEntries(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) found.push(...text.split(/\s+/).map(Number));
    } catch { /* gone */ }
  }
  return found;
}

/** Whether a process is a zombie: dead, waiting for its parent to reap it. */
function zombie(pid) {
  try {
    return / Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\)/s, ')'));
  } catch {
    return false;
  }
}

/**
 * Host pids of the live processes of a PID namespace (e.g.
 * 'pid:[4026532]'). Zombies are dead already: a PID 1 whose supervisor
 * was killed is reaped by the host's init, in its own time.
 */
export function processesIn(namespace) {
  return numericEntries('/proc').filter((pid) => pidNamespace(pid) === namespace && !zombie(pid));
}

/**
 * What a container could leave on the host: mounts in the host's mount
 * table, and entries in /tmp (the test harness's own excepted).
 */
export function hostState() {
  // rc-*: the scratch directories of the test harness (and of tests
  // running beside this one), removed by their own tests.
  const tmp = readdirSync('/tmp').filter((e) => !e.startsWith('rc-')).sort();
  return { mounts: readFileSync('/proc/self/mountinfo', 'utf8'), tmp };
}

/**
 * Starts contain as the test user inside `cgroup`: root moves the shell
 * there first (a move needs write access where the user has none), and
 * contain, started from it, makes it the root of the container's cgroup
 * namespace.
 */
function startIn(cgroup, args) {
  const [file, argv] = asUser(TEST_USER, BIN.contain, args);
  const who = account(TEST_USER);
  return start('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, file, ...argv], {
    user: 'root',
    env: { HOME: who.home, USER: TEST_USER, LOGNAME: TEST_USER },
  });
}

export class Container {
  /**
   * Starts `contain ARGS ROOT COMMAND...` as the test user; stdin stays
   * open (the console reads it) until the container ends.
   */
  constructor(root, { args = [], command = ['/sbin/init'], cgroup } = {}) {
    this.root = root;
    this.before = hostState();
    this.started = Date.now();
    this.child = cgroup ? startIn(cgroup, [...args, root, ...command]) : start(BIN.contain, [...args, root, ...command]);
    this.pid = this.child.pid;
    this.transcript = '';
    const keep = (data) => { this.transcript += data; };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.ended = undefined;
    this.exit = finished(this.child).then((result) => {
      this.ended = Date.now();
      return result;
    });
  }

  /**
   * The host pid of PID 1: contain's child in another PID namespace, once
   * it has exec'd its command (until then it is a copy of contain).
   */
  async init(ms = 30_000) {
    if (this.initPid) return this.initPid;
    const own = pidNamespace(this.pid);
    this.initPid = await until(() => children(this.pid).find((c) => {
      const ns = pidNamespace(c);
      const command = rawCmdline(c);
      return ns !== undefined && ns !== own && command !== undefined && command !== rawCmdline(this.pid);
    }), ms);
    if (!this.initPid) throw new Error(`contain ${this.pid} started no PID 1: ${await this.describe()}`);
    this.namespace = pidNamespace(this.initPid);
    return this.initPid;
  }

  /** [{ pid, command }] of the container's processes, as host pids. */
  processes() {
    if (!this.namespace) return [];
    return processesIn(this.namespace)
      .map((pid) => ({ pid, command: cmdline(pid) }))
      .filter((p) => p.command !== undefined);
  }

  /**
   * Waits until a process whose command line matches `pattern` runs,
   * looking every `step` ms.
   */
  async service(pattern, ms = 60_000, step = 20) {
    await this.init(ms);
    const found = await until(() => this.processes().find((p) => pattern.test(p.command)), ms, step);
    if (!found) throw new Error(`no process matching ${pattern} within ${ms} ms: ${await this.describe()}`);
    return found;
  }

  /** Runs `inject PID ARGS...` against this container's supervisor. */
  inject(args, options = {}) {
    return cli('inject', [String(this.pid), ...args], options);
  }

  signal(name) {
    process.kill(this.pid, name);
  }

  running() {
    return this.ended === undefined;
  }

  /** A description for failure messages: processes and console so far. */
  async describe() {
    const list = this.processes().map((p) => `${p.pid} ${p.command}`).join('\n  ');
    return `processes:\n  ${list || '(none)'}\nconsole:\n${this.output()}`;
  }

  /** What contain printed so far (the console and its own messages). */
  output() {
    return this.transcript;
  }

  /**
   * Waits for contain to end; kills it first if it is still running after
   * `ms`. Resolves with { status, signal, stdout, stderr, seconds }.
   */
  async end(ms = 60_000) {
    const timer = setTimeout(() => this.kill(), ms);
    const result = await this.exit;
    clearTimeout(timer);
    this.child.stdin?.destroy();
    return { ...result, seconds: (this.ended - this.started) / 1000 };
  }

  /** Kills contain (and with it the container) if it still runs. */
  kill() {
    if (this.running()) {
      try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }

  /**
   * After a test: ends contain and, should anything of the container
   * have outlived it (a bug the tests report), kills its PID 1, which
   * takes the whole PID namespace down, so that no test leaks processes.
   */
  async destroy() {
    this.kill();
    await this.end();
    if (this.namespace && processesIn(this.namespace).length > 0) {
      try { process.kill(this.initPid, 'SIGKILL'); } catch { /* gone */ }
      await until(() => processesIn(this.namespace).length === 0, 5000);
    }
  }

  /**
   * What the container left behind, once contain has ended: its
   * processes, mounts that appeared on the host, entries new in /tmp.
   */
  async leftovers() {
    const alive = this.namespace ? await until(() => processesIn(this.namespace).length === 0, 2000) : true;
    const after = hostState();
    const problems = [];
    if (!alive) problems.push(`processes still alive: ${processesIn(this.namespace).map(cmdline).join(', ')}`);
    // Every mount contain makes is below the root (DIR itself, /dev,
    // /proc, a -i bind): none of them may show in the host's table. (The
    // table as a whole may change meanwhile, e.g. by a debootstrap.)
    const lines = (text) => new Set(text.split('\n'));
    const [was, is] = [lines(this.before.mounts), lines(after.mounts)];
    const changed = [...is].filter((l) => !was.has(l)).concat([...was].filter((l) => !is.has(l)));
    const ours = changed.filter((l) => l.split(' ')[4]?.startsWith(dirname(this.root)));
    if (ours.length > 0) problems.push(`host mount table changed:\n${ours.join('\n')}`);
    const added = after.tmp.filter((e) => !this.before.tmp.includes(e) && ownedByTestUser(`/tmp/${e}`));
    if (added.length > 0) problems.push(`left in /tmp: ${added.join(' ')}`);
    return problems;
  }
}

/** Whether a path belongs to the test user or its subordinate ids. */
function ownedByTestUser(path) {
  const user = account(TEST_USER)?.uid;
  try {
    const { uid } = lstatSync(path);
    return uid === user || subids('/etc/subuid', TEST_USER).some((r) => uid >= r.start && uid < r.start + r.count);
  } catch {
    return false;
  }
}
