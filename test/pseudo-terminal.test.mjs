// Ctrl-C and Ctrl-Z in an interactive shell behave with pseudo as without:
// a real terminal (tmux) with a job-control shell, driven by keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, TEST_USER, account, needs, removeTree, run, until, processState as state } from './helpers.mjs';

function haveTmux() {
  try { return run('tmux', ['-V']).status === 0; } catch { return false; }
}

/** Host pids whose command line is exactly `argv`. */
function processes(argv) {
  const wanted = `${argv.join('\0')}\0`;
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted; } catch { return false; }
  }).map(Number);
}

/** A tmux server of the test user's with one shell window; killed after the test. */
function terminal(t) {
  const dir = mkdtempSync(join(tmpdir(), 'rc-tmux-'));
  chownSync(dir, account(TEST_USER).uid, account(TEST_USER).gid);
  const socket = `rc-pseudo-${process.pid}`;
  const env = { TMUX_TMPDIR: dir, TERM: 'xterm', PS1: 'rc$ ' };
  const tmux = (...args) => run('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env, cwd: dir });
  let server;
  // The server goes first, while its socket still exists, then its directory.
  t.after(async () => {
    tmux('kill-server');
    if (server && !(await until(() => state(server) === undefined, 5000))) process.kill(server, 'SIGKILL');
    removeTree(dir);
  });
  const made = tmux('new-session', '-d', '-x', '150', '-y', '40', '/bin/sh -i');
  assert.equal(made.status, 0, made.stderr);
  server = Number(tmux('display-message', '-p', '#{pid}').stdout);
  const screen = () => tmux('capture-pane', '-p').stdout.replace(/\n+$/, '\n');
  const keys = (...k) => assert.equal(tmux('send-keys', ...k).status, 0);
  return { screen, keys };
}

async function shows(term, pattern, what) {
  const text = await until(() => (pattern.test(term.screen()) ? term.screen() : ''), 20_000, 50);
  assert.ok(text, `the terminal never showed ${what}:\n${term.screen()}`);
}

test('Ctrl-C stops pseudo and its command; the shell reports 130 as without pseudo', async (t) => {
  if (!needs(t, haveTmux(), 'tmux is installed')) return;
  const term = terminal(t);
  await shows(term, /rc\$\s*$/, 'a prompt');
  const argv = ['sleep', '10101'];
  term.keys(`${BIN.pseudo} sh -c 'echo "root: $(id -u)"; exec ${argv.join(' ')}'`, 'Enter');
  await shows(term, /root: 0\n/, 'the command running as root');
  const pid = await until(() => processes(argv)[0], 20_000);
  assert.ok(pid, 'the command is running');
  term.keys('C-c');
  assert.equal(await until(() => state(pid) === undefined, 20_000), true, 'the command ended');
  // The command ends before pseudo: keys typed before the shell's prompt
  // are echoed ahead of it, and its answer is no line of its own.
  await shows(term, /\^C\s*rc\$\s*$/, 'the prompt back');
  term.keys('echo "status=$?"', 'Enter');
  await shows(term, /^status=130$/m, 'status 130');
  assert.deepEqual(processes(argv), []);
});

test('Ctrl-Z stops pseudo and its command as a job; fg resumes it, Ctrl-C ends it', async (t) => {
  if (!needs(t, haveTmux(), 'tmux is installed')) return;
  const term = terminal(t);
  await shows(term, /rc\$\s*$/, 'a prompt');
  const argv = ['sleep', '10102'];
  term.keys(`${BIN.pseudo} ${argv.join(' ')}`, 'Enter');
  const pid = await until(() => processes(argv)[0], 20_000);
  assert.ok(pid, 'the command is running');
  term.keys('C-z');
  await shows(term, /Stopped.*pseudo/, 'the job stopped');
  assert.equal(state(pid), 'T', 'the command is stopped');
  await shows(term, /rc\$\s*$/, 'the prompt back');
  term.keys('fg', 'Enter');
  assert.equal(await until(() => state(pid) === 'S', 20_000), true, 'the command runs again');
  term.keys('C-c');
  assert.equal(await until(() => state(pid) === undefined, 20_000), true, 'the command ended');
  // The command ends before pseudo: keys typed before the shell's prompt
  // are echoed ahead of it, and its answer is no line of its own.
  await shows(term, /\^C\s*rc\$\s*$/, 'the prompt back');
  term.keys('echo "status=$?"', 'Enter');
  await shows(term, /^status=130$/m, 'status 130');
});

test('suspend in a job-control shell under pseudo stops pseudo as a job; fg gives the shell its terminal back', async (t) => {
  if (!needs(t, haveTmux(), 'tmux is installed')) return;
  const term = terminal(t);
  await shows(term, /rc\$\s*$/, 'a prompt');
  // bash takes the terminal for a process group of its own.
  term.keys(`${BIN.pseudo} bash --norc --noprofile -i`, 'Enter');
  term.keys('PS1="inside# "; echo "bash-$((2 * 21)) uid-$(id -u)"', 'Enter');
  await shows(term, /^bash-42 uid-0$/m, 'bash running as root');
  term.keys('suspend', 'Enter');
  // Keys typed before a shell has set its terminal up again may be
  // flushed: wait for its prompt each time.
  await shows(term, /Stopped.*pseudo.*\nrc\$\s*$/, 'the job stopped');
  term.keys('echo "host-$((6 * 7)) uid-$(id -u)"', 'Enter');
  await shows(term, new RegExp(`^host-42 uid-${account(TEST_USER).uid}$`, 'm'), 'the caller\'s shell back');
  term.keys('fg', 'Enter');
  term.keys('echo "back-$((7 * 7)) uid-$(id -u)"', 'Enter');
  await shows(term, /^back-49 uid-0$/m, 'bash back, and reading the terminal');
  // Ctrl-Z on a job of bash's stops that job only: bash's own job control.
  term.keys('sleep 10103', 'Enter');
  const pid = await until(() => processes(['sleep', '10103'])[0], 20_000);
  assert.ok(pid, 'the job is running');
  term.keys('C-z');
  await shows(term, /Stopped\s+sleep 10103\s*\ninside#\s*$/, 'bash reporting its job stopped');
  term.keys('kill -9 %1', 'Enter');
  // Dead: gone, or a zombie until bash gets round to reaping it.
  assert.equal(await until(() => [undefined, 'Z'].includes(state(pid)), 20_000), true, 'the job ended');
  term.keys('jobs; exit 4', 'Enter');
  term.keys('echo "pseudo-status=$?"', 'Enter');
  await shows(term, /pseudo-status=4$/m, 'pseudo ended with bash\'s status');
});
