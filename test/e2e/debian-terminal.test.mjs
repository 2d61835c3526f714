// A Debian root (sysvinit) at real terminals (tmux): Ctrl-C typed on the
// console of the booted system does not reboot it, since the console is
// init's stdio but not its controlling terminal; and an `inject NAME`
// shell has the container's environment and pty, and its `halt` stops
// the container with status 0.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BIN, cli, until } from '../helpers.mjs';
import { Terminal, containCommand, livingIn, pidNamespace } from '../contain-support.mjs';
import { rootCopy } from './roots.mjs';

function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

test('Debian sysvinit at a terminal: Ctrl-C on the console, then inject NAME and halt', { timeout: 300_000 }, async (t) => {
  const root = rootCopy(t, 'debian-sysvinit');
  const console = new Terminal(t, { columns: 120, rows: 40 });
  t.after(() => cli('contain', ['--stop', 'deb']));
  console.type(`${containCommand('-n', '--name', 'deb', root, '/sbin/init')}; echo "contain-exit:$?"`);
  const info = await until(() => JSON.parse(cli('contain', ['--list', '--json']).stdout).find((c) => c.name === 'deb'), 30_000);
  assert.ok(info, `not listed:\n${console.screen()}`);
  const namespace = pidNamespace(info.pid1);
  const booted = await until(() => livingIn(namespace).some((pid) => /e2e-service/.test(commandLine(pid))), 60_000, 200);
  assert.ok(booted, `no service:\n${console.screen()}`);

  // A stray Ctrl-C at the console: no ctrl-alt-del, no reboot.
  console.keys('C-c');
  await new Promise((r) => setTimeout(r, 3000));
  assert.doesNotMatch(console.screen(), /contain-exit:\d/);
  assert.ok(livingIn(namespace).includes(info.pid1), 'PID 1 is gone');

  // A root shell inside, from another terminal, by name.
  const shell = new Terminal(t, { columns: 120, rows: 40 });
  shell.type(`'${BIN.inject}' deb; echo "inject-exit:$?"`);
  assert.ok(await shell.waitFor(/^root@[^:]*:~# $/m, 20_000), shell.screen());
  shell.type('echo "path=$PATH home=$HOME"; id -un; pwd; tty');
  const screen = await shell.waitFor(/^\/dev\/pts\/\d+\r?$/m, 10_000);
  assert.ok(screen, shell.screen());
  assert.match(screen, /^path=\/usr\/local\/sbin:\/usr\/local\/bin:\/usr\/sbin:\/usr\/bin:\/sbin:\/bin home=\/root\r?$/m);
  assert.match(screen, /^root\r?$/m);
  assert.match(screen, /^\/root\r?$/m);
  shell.type('halt');
  assert.ok(await console.waitFor(/contain-exit:0/, 60_000), console.screen());
  assert.ok(await until(() => livingIn(namespace).length === 0, 5000));
});
