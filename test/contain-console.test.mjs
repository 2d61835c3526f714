// The console: piped data passes through exactly, and through a real
// terminal (tmux) the window size follows, Ctrl-C reaches the container,
// the terminal is restored, and nothing inside can type into the host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { busyboxRoot, cli, needs, run, until } from './helpers.mjs';
import {
  Terminal, childrenOf, compileStatic, containCommand, hasTmux, livingIn, pid1Of, pidNamespace, sttyOf,
} from './contain-support.mjs';

test('echo hi | contain DIR cat prints hi and exits 0', (t) => {
  const root = busyboxRoot(t);
  for (const flags of [[], ['-c']]) {
    const r = cli('contain', [...flags, root, 'cat'], { input: 'hi\n' });
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'hi\n', ''], `contain ${flags}`);
  }
});

test('piped input reaches the command unchanged: long lines, control bytes, no final newline', (t) => {
  const root = busyboxRoot(t);
  let r = cli('contain', [root, 'cat'], { input: 'abc' });
  assert.deepEqual([r.status, r.stdout], [0, 'abc']);
  const long = `${'x'.repeat(10_000)}\n`;
  r = cli('contain', [root, 'wc', '-c'], { input: long });
  assert.deepEqual([r.status, r.stdout.trim()], [0, '10001']);
  // Every byte value, ^C ^D ^Z ^S and erase included.
  const bytes = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
  r = cli('contain', [root, '/bin/sh', '-c', 'od -An -v -tx1 | tr -d " \\n"'], { input: bytes });
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), Buffer.from(bytes, 'latin1').toString('hex'));
});

test('a reader that goes away ends the console, without an error from contain', (t) => {
  const root = busyboxRoot(t);
  const r = run('/bin/sh', ['-c', `${containCommand(root, 'yes')} | head -n 2`], { timeout: 30_000 });
  assert.equal(r.stdout, 'y\ny\n');
  assert.equal(r.stderr, '');
});

function terminalTest(name, body) {
  test(name, { timeout: 90_000 }, async (t) => {
    if (!needs(t, hasTmux(), 'tmux is not installed')) return;
    await body(t);
  });
}

/** Starts contain in the terminal and waits for the container's prompt. */
async function boot(term, ...args) {
  term.type(`${containCommand(...args)}; echo "contain-exit:$?"`);
  assert.ok(await term.waitFor(/^\/ # $/m), `no container prompt:\n${term.screen()}`);
}

/** Types `stty size` until the container reports rows and columns. */
async function sizeBecomes(term, rows, columns) {
  const pattern = new RegExp(`^${rows} ${columns}\\r?$`, 'm');
  // The resize reaches contain as SIGWINCH, asynchronously: ask again
  // until it has been passed on.
  return until(() => {
    if (pattern.test(term.screen())) return true;
    term.type('stty size');
    return false;
  }, 10_000, 500);
}

terminalTest('stty size inside is the terminal\'s and follows resizes', async (t) => {
  const root = busyboxRoot(t);
  const term = new Terminal(t, { columns: 91, rows: 27 });
  await boot(term, root);
  term.type('stty size');
  assert.ok(await term.waitFor(/^27 91\r?$/m), term.screen());
  term.tmux('resize-window', '-x', '120', '-y', '40');
  assert.ok(await sizeBecomes(term, 40, 120), term.screen());
  term.tmux('resize-window', '-x', '70', '-y', '20');
  assert.ok(await sizeBecomes(term, 20, 70), term.screen());
  term.type('exit');
  assert.ok(await term.waitFor(/contain-exit:0/), term.screen());
});

terminalTest('the terminal is raw while contain runs and sane again after', async (t) => {
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  const tty = term.tty();
  assert.match(sttyOf(tty), /(^|\s)icanon\b/);
  await boot(term, root);
  const during = sttyOf(tty);
  assert.match(during, /-icanon\b/);
  assert.match(during, /-echo\b/);
  term.type('exit 3');
  assert.ok(await term.waitFor(/contain-exit:3/), term.screen());
  const after = sttyOf(tty);
  assert.match(after, /(^|\s)icanon\b/);
  assert.match(after, /(^|\s)echo\b/);
  assert.match(after, /(^|\s)isig\b/);
  assert.match(after, /(^|\s)opost\b/);
  // The host shell reads lines again, and echoes them.
  term.type('echo back-$((40 + 2))');
  assert.ok(await term.waitFor(/^back-42$/m), term.screen());
});

terminalTest('Ctrl-C reaches the container and the container\'s shell survives', async (t) => {
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  await boot(term, root);
  term.type('sleep 100');
  await until(() => /# sleep 100/.test(term.screen()), 5000);
  await new Promise((r) => setTimeout(r, 300));
  term.keys('C-c');
  // The shell gets its prompt back at once, and sleep died of SIGINT.
  assert.ok(await term.waitFor(/# sleep 100\r?\n\^C\r?\n\/ # $/m, 10_000), `sleep was not interrupted:\n${term.screen()}`);
  term.type('echo "status:$? alive:$$"');
  assert.ok(await term.waitFor(/^status:130 alive:1\r?$/m), term.screen());
  assert.doesNotMatch(term.screen(), /contain-exit:\d/);
  term.type('exit');
  assert.ok(await term.waitFor(/contain-exit:0/), term.screen());
});

terminalTest('closing the terminal shuts the container down', async (t) => {
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  await boot(term, root);
  const shell = Number(term.tmux('display-message', '-p', '#{pane_pid}').trim());
  const contain = childrenOf(shell)[0];
  assert.ok(contain, 'contain is not running');
  const namespace = pidNamespace(await pid1Of(contain));
  term.tmux('kill-server');
  assert.ok(await until(() => livingIn(namespace).length === 0, 15_000), 'container processes outlived the terminal');
});

const TIOCSTI = `
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(void) {
  /* A command that prints a marker only when it is run, not echoed. */
  const char *text = "echo INJ\\"\\"ECTED\\n";
  int pushed = 0;
  /* Also try to make the terminal ours first. */
  ioctl(0, TIOCSCTTY, 1);
  for (const char *c = text; *c; c++)
    pushed += ioctl(0, TIOCSTI, c) == 0;
  printf("pushed %d\\n", pushed);
  fflush(stdout);
  return 0;
}
`;

terminalTest('nothing inside can push input into the host terminal with TIOCSTI', async (t) => {
  const root = busyboxRoot(t);
  const program = `${root}/bin/tiocsti`;
  if (!needs(t, compileStatic(t, TIOCSTI, program), 'gcc -static cannot build a test program')) return;
  const term = new Terminal(t);
  // The program works: run on the host, it types into the host shell.
  term.type(program);
  assert.ok(await term.waitFor(/(^|\s)INJECTED\r?$/m), `the control failed:\n${term.screen()}`);
  for (const flags of [['-c'], []]) {
    const mark = `run-${flags.length}`;
    term.type(`echo ${mark}-start; ${containCommand(...flags, root, '/bin/tiocsti')}; echo "contain-exit:$?"`);
    assert.ok(await term.waitFor(new RegExp(`^${mark}-start[^]*contain-exit:0`, 'm')), term.screen());
    term.type(`echo ${mark}-end`);
    const screen = await term.waitFor(new RegExp(`^${mark}-end$`, 'm'));
    assert.ok(screen, term.screen());
    const part = screen.slice(screen.search(new RegExp(`^${mark}-start$`, 'm')));
    // Without a console, the caller's terminal is not PID 1's: refused.
    // With one, the text goes into the container's own console.
    if (flags.length) assert.match(part, /pushed 0/, 'TIOCSTI worked on the caller\'s terminal');
    assert.doesNotMatch(part, /(^|\s)INJECTED\r?$/m, `contain ${flags}: input reached the host shell`);
  }
});
