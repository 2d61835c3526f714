// inject at a terminal: CMD gets a pty of its own, relayed, so that nothing
// in the container can push input into the caller's terminal. The caller's
// terminal is a tmux pane running a shell as the test user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AS_ROOT, BIN, TEST_USER, account, asUser, busyboxRoot, finished, needs, start, until, processState as state, stopForAMoment } from './helpers.mjs';
import { childrenOf } from './contain-support.mjs';
import { comm, compileStatic, copyHostProgram, startContainer } from './inject-container.mjs';

// Pushes its argument and a newline into the terminal on stdin, as if typed.
const TIOCSTI_SOURCE = `
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
int main(int argc, char **argv) {
  char line[4096];
  snprintf(line, sizeof line, "%s\\n", argc > 1 ? argv[1] : "");
  for (char *c = line; *c; c++)
    if (ioctl(0, TIOCSTI, c) < 0) {
      printf("refused: %s\\n", strerror(errno));
      return 1;
    }
  printf("pushed\\n");
  return 0;
}
`;

/** Prints whether the terminal is canonical and echoes: "icanon echo ". */
const STTY_MODES = 'stty -a | tr " " "\\n" | grep -x -e -icanon -e icanon -e -echo -e echo | tr "\\n" " "; echo';

function tmuxAvailable() {
  return spawnSync('tmux', ['-V']).status === 0;
}

/** A tmux server of our own, its socket in a directory of its own. */
function terminal(t, width = 100, height = 30) {
  // Not scratch(): after-hooks run in order, and the server must be
  // killed before its socket's directory is gone.
  const sockets = mkdtempSync(join(tmpdir(), 'rc-tmux-'));
  const env = { ...process.env, TMUX_TMPDIR: sockets };
  const tmux = (...args) => spawnSync('tmux', ['-L', 'inject', ...args], { encoding: 'utf8', env });
  t.after(() => {
    tmux('kill-server');
    rmSync(sockets, { recursive: true, force: true });
  });
  const who = account(TEST_USER);
  const [file, argv] = asUser(TEST_USER, 'env', ['-i', 'PATH=/usr/local/bin:/usr/bin:/bin', `HOME=${who.home}`,
    'TERM=screen', 'SHELL=/bin/sh', 'PS1=$ ', '/bin/sh']);
  const started = tmux('new-session', '-d', '-s', 'main', '-x', String(width), '-y', String(height), file, ...argv);
  assert.equal(started.status, 0, started.stderr);
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'main').stdout;
  return {
    tmux,
    screen,
    type: (text) => { tmux('send-keys', '-t', 'main', '-l', text); tmux('send-keys', '-t', 'main', 'Enter'); },
    key: (key) => tmux('send-keys', '-t', 'main', key),
    /** Waits until the screen shows `text` (a string or RegExp). */
    waitFor: async (text) => {
      const seen = await until(() => {
        const s = screen();
        return (typeof text === 'string' ? s.includes(text) : text.test(s)) && s;
      }, 20_000);
      assert.ok(seen, `the terminal never showed ${text}:\n${screen()}`);
      return seen;
    },
  };
}

function script(root, path, text) {
  const file = join(root, path);
  writeFileSync(file, text);
  chmodSync(file, 0o755);
  if (AS_ROOT) chownSync(file, account(TEST_USER).uid, account(TEST_USER).gid);
}

test('TIOCSTI inside the container cannot push input into the caller\'s terminal', async (t) => {
  if (!needs(t, tmuxAvailable(), 'tmux is installed')) return;
  const root = busyboxRoot(t);
  const host = join(root, '..');
  compileStatic(root, 'tiocsti', TIOCSTI_SOURCE);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const term = terminal(t);
  await term.waitFor('$ ');

  // Without inject in between, the push reaches the shell of the terminal.
  term.type(`${root}/bin/tiocsti "touch ${host}/control"`);
  const control = await until(() => existsSync(join(host, 'control')), 10_000);
  if (!needs(t, control, 'TIOCSTI works on this kernel (sysctl dev.tty.legacy_tiocsti=1)')) return;

  // Through inject, the push succeeds, into CMD's own terminal.
  term.type(`${BIN.inject} ${c.pid} tiocsti "touch ${host}/pwned"; echo "inject-status=$?"`);
  const seen = await term.waitFor(/^inject-status=\d+$/m);
  assert.match(seen, /^pushed$/m);
  assert.match(seen, /^inject-status=0$/m);
  term.type('echo "synced-$((6 * 7))"');
  await term.waitFor('synced-42');
  assert.equal(existsSync(join(host, 'pwned')), false, 'the caller\'s shell ran the pushed command');

  // With stdin not a terminal, stdout is still a pty of the container's,
  // and /dev/tty is that pty: a push goes there, not to the caller's.
  term.type(`${BIN.inject} ${c.pid} sh -c 'tiocsti "touch ${host}/via-stdout" <&1; tiocsti "touch ${host}/via-dev-tty" < /dev/tty' < /dev/null; echo "piped-status=$?"`);
  await term.waitFor(/^piped-status=\d+$/m);
  term.type('echo "synced-$((7 * 7))"');
  await term.waitFor('synced-49');
  assert.equal(existsSync(join(host, 'via-stdout')), false, 'pushed through stdout');
  assert.equal(existsSync(join(host, 'via-dev-tty')), false, 'pushed through /dev/tty');
});

test('once inject has exited, nothing in the container reaches the caller\'s terminal', async (t) => {
  if (!needs(t, tmuxAvailable(), 'tmux is installed')) return;
  const root = busyboxRoot(t);
  const host = join(root, '..');
  compileStatic(root, 'tiocsti', TIOCSTI_SOURCE);
  // Left behind by CMD, it waits until inject is gone.
  script(root, 'bin/linger', [
    '#!/bin/sh',
    'while [ ! -e /tmp/go ]; do sleep 0.05; done',
    'tiocsti "touch $1" > /tmp/late-push 2>&1',
    'echo late-output; echo "echo: $?" > /tmp/late-echo',
  ].join('\n') + '\n');
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const term = terminal(t);
  await term.waitFor('$ ');
  term.type(`${BIN.inject} ${c.pid} sh -c "trap '' HUP; linger ${host}/late & exit 0"; echo "inject-status=$?"`);
  await term.waitFor(/^inject-status=0$/m);
  writeFileSync(join(root, 'tmp/go'), '');
  assert.ok(await until(() => existsSync(join(root, 'tmp/late-echo')), 20_000), 'the lingering process went on');
  assert.match(readFileSync(join(root, 'tmp/late-push'), 'utf8'), /^refused: /);
  assert.notEqual(readFileSync(join(root, 'tmp/late-echo'), 'utf8'), 'echo: 0\n');
  term.type('echo "synced-$((6 * 7))"');
  const seen = await term.waitFor('synced-42');
  assert.doesNotMatch(seen, /late-output/);
  assert.equal(existsSync(join(host, 'late')), false, 'the caller\'s shell ran the pushed command');
  term.type(STTY_MODES);
  await term.waitFor(/^icanon echo $/m);
});

test('with stdin not a terminal, no fd of the caller\'s terminal enters: what CMD leaves cannot read it later', async (t) => {
  if (!needs(t, tmuxAvailable(), 'tmux is installed')) return;
  const root = busyboxRoot(t);
  // Left behind by CMD with its stdout and stderr, it reads them once inject is gone.
  script(root, 'bin/snoop', [
    '#!/bin/sh',
    'while [ ! -e /tmp/go ]; do sleep 0.05; done',
    'head -c 40 <&3 > /tmp/stolen-out 2>/dev/null; head -c 40 <&4 > /tmp/stolen-err 2>/dev/null',
    'touch /tmp/snooped',
  ].join('\n') + '\n');
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const term = terminal(t);
  await term.waitFor('$ ');
  // Output still reaches the terminal, through a pty of the container's
  // own devpts, while stdin stays the caller's pipe.
  term.type(`echo in | ${BIN.inject} ${c.pid} sh -c 'read line; echo "got-$line"; `
    + `[ "$(stat -L -c %D /proc/$$/fd/1)" = "$(stat -c %D /dev/pts/ptmx)" ] && echo out-own-pty; `
    + `[ "$(stat -L -c %D /proc/$$/fd/2)" = "$(stat -c %D /dev/pts/ptmx)" ] && echo err-own-pty; `
    + `(trap "" HUP; snoop 3<&1 4<&2 </dev/null >/dev/null 2>&1 &)'; echo "inject-status=$?"`);
  const seen = await term.waitFor(/^inject-status=\d+$/m);
  assert.match(seen, /^got-in$/m);
  assert.match(seen, /^out-own-pty$/m);
  assert.match(seen, /^err-own-pty$/m);
  assert.match(seen, /^inject-status=0$/m);
  writeFileSync(join(root, 'tmp/go'), '');
  // Typed at the caller's terminal now: its shell reads it, nothing else.
  term.type('echo "typed-$((6 * 7))"');
  await term.waitFor(/^typed-42$/m);
  assert.ok(await until(() => existsSync(join(root, 'tmp/snooped')), 20_000), 'the lingering process went on');
  assert.equal(readFileSync(join(root, 'tmp/stolen-out'), 'utf8'), '');
  assert.equal(readFileSync(join(root, 'tmp/stolen-err'), 'utf8'), '');
});

test('the relayed pty follows the terminal: raw input, window size and resize', async (t) => {
  if (!needs(t, tmuxAvailable(), 'tmux is installed')) return;
  const root = busyboxRoot(t);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const term = terminal(t, 100, 30);
  await term.waitFor('$ ');
  term.type(`${BIN.inject} ${c.pid} sh; echo "inject-status=$?"`);
  term.type('echo "tty: $(stty size)"');
  await term.waitFor(/^tty: 30 100$/m);
  term.tmux('resize-window', '-t', 'main', '-x', '120', '-y', '40');
  term.type('echo "resized: $(stty size)"');
  await term.waitFor(/^resized: 40 120$/m);
  // Ctrl-C is a byte for the container's pty: it interrupts sleep there,
  // and inject goes on.
  term.type('sleep 987');
  // Only once sleep runs: before, ^C would flush the line unread.
  assert.ok(await until(() => spawnSync('pgrep', ['-u', TEST_USER, '-f', '^sleep 987$']).status === 0, 20_000));
  term.key('C-c');
  term.type('echo "sleep-status=$?"');
  await term.waitFor(/^sleep-status=130$/m);
  term.type('exit 5');
  await term.waitFor(/^inject-status=5$/m);
  // The caller's terminal is back in its own mode.
  term.type(STTY_MODES);
  await term.waitFor(/^icanon echo $/m);
});

test('CMD\'s terminal is a pty of the container\'s own devpts, and the relay writes each newline as \\r\\n', async (t) => {
  if (!needs(t, tmuxAvailable(), 'tmux is installed')) return;
  const root = busyboxRoot(t);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const term = terminal(t);
  await term.waitFor('$ ');
  // Every byte the caller's terminal receives, as a log or script(1) would.
  const raw = join(root, '..', 'pane.raw');
  term.tmux('pipe-pane', '-t', 'main', '-o', `cat >> ${raw}`);
  term.type(`${BIN.inject} ${c.pid} sh -c 'tty; ls /dev/pts; stat -c %t:%T:%i "$(tty)"; stat -L -c %t:%T:%i /proc/self/fd/0; printf "one\\ntwo\\n"'`);
  const seen = await term.waitFor(/^two$/m);
  // tty names a device of the container's /dev/pts, which is fd 0 itself.
  const [name, ...rest] = seen.slice(seen.indexOf('/dev/pts/')).split('\n');
  assert.match(name, /^\/dev\/pts\/\d+$/);
  const [listing, device, fd0] = rest;
  assert.ok(listing.split(/\s+/).includes(name.slice('/dev/pts/'.length)), `${name} in: ${listing}`);
  assert.equal(device, fd0);
  term.type('echo "synced-$((6 * 7))"');
  await term.waitFor('synced-42');
  const bytes = readFileSync(raw, 'latin1');
  assert.ok(bytes.includes('one\r\ntwo\r\n'), JSON.stringify(bytes));
  assert.ok(!bytes.includes('\r\r\n'), JSON.stringify(bytes));
});

test('suspend in a shell under inject stops inject as a job; fg resumes both, and typing works after each step', async (t) => {
  if (!needs(t, tmuxAvailable(), 'tmux is installed')) return;
  const root = busyboxRoot(t);
  copyHostProgram(root, '/bin/bash');
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const term = terminal(t);
  await term.waitFor('$ ');
  // No `; echo $?` after it: the shell would run that at the stop.
  term.type(`${BIN.inject} ${c.pid} /bin/bash --norc --noprofile -i`);
  term.type('PS1="inside# "; echo "bash-$((2 * 21))"');
  await term.waitFor(/^bash-42$/m);
  term.type('suspend');
  // Keys typed before the shell has its terminal set up again may be
  // flushed: wait for its prompt.
  await term.waitFor(/Stopped.*inject.*\n\$\s*$/);
  // The caller's shell has its terminal back, in its own mode.
  term.type('echo "host-$((6 * 7))"');
  await term.waitFor(/^host-42$/m);
  term.type(`echo "stopped:$(${STTY_MODES})"`);
  await term.waitFor(/^stopped:icanon echo $/m);
  term.type('fg');
  term.type('echo "back-$((7 * 7))"');
  await term.waitFor(/^back-49$/m);
  term.type('exit 3');
  // Not typed ahead: inject's relay would read the line, pass it to the
  // container's pty and lose it there with bash. Wait for the host's prompt.
  await term.waitFor(/^inside# exit 3\n(?:exit\n)?\$\s*$/m);
  term.type('echo "inject-status=$?"');
  await term.waitFor(/inject-status=3$/m);
  term.type(`echo "ended:$(${STTY_MODES})"`);
  await term.waitFor(/^ended:icanon echo $/m);
});

test('CMD stopped by SIGSTOP from elsewhere stops inject; SIGCONT to inject continues both', async (t) => {
  const root = busyboxRoot(t);
  const c = await startContainer(t, ['-c', root, 'sleep', '1000'], { ready: 'sleep' });
  const child = start(BIN.inject, [String(c.pid), 'sleep', '1001'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = finished(child);
  t.after(() => child.kill('SIGKILL'));
  const cmd = await until(() => childrenOf(child.pid).find((p) => comm(p) === 'sleep'), 20_000);
  assert.ok(cmd, 'CMD runs');
  process.kill(cmd, 'SIGSTOP');
  assert.ok(await until(() => state(child.pid) === 'T', 20_000), 'inject stopped');
  process.kill(child.pid, 'SIGCONT');
  assert.ok(await until(() => state(cmd) === 'S' && state(child.pid) === 'S', 20_000), 'both run again');
  // A stop for a moment, as killall5 makes one around the signals of a
  // shutdown, leaves inject running: nothing would continue it.
  await stopForAMoment(cmd);
  assert.equal(state(child.pid), 'S');
  // A TSTP for inject stops CMD, though it leads a session of its own.
  process.kill(child.pid, 'SIGTSTP');
  assert.ok(await until(() => state(cmd) === 'T' && state(child.pid) === 'T', 20_000), 'both stopped');
  process.kill(child.pid, 'SIGCONT');
  assert.ok(await until(() => state(cmd) === 'S', 20_000), 'CMD runs again');
  process.kill(child.pid, 'SIGTERM');
  const r = await done;
  assert.equal(r.status, 143, r.stderr);
});
