// The native supervisor: contain stays a small native program once PID 1
// runs; every byte of the console arrives, exactly as a terminal would
// get it; background containers with a log, attach and detach (tmux); a
// contain in a background job or under timeout runs to its end.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TEST_USER, busyboxRoot, cli, needs, run, runtimeDir, scratch, start, until, processState as state } from './helpers.mjs';
import {
  Terminal, childrenOf, containCommand, giveToTestUser, hasTmux, livingIn, pid1Of, pidNamespace, startContain, writeAs,
} from './contain-support.mjs';

function terminalTest(name, body) {
  test(name, { timeout: 120_000 }, async (t) => {
    if (!needs(t, hasTmux(), 'tmux is not installed')) return;
    await body(t);
  });
}

function list() {
  return JSON.parse(cli('contain', ['--list', '--json']).stdout);
}

function vmRSS(pid) {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

test('once PID 1 runs, contain is a small native program, not a resident Node', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const child = startContain(t, [root, '/bin/sh', '-c', 'echo ready; exec sleep 100']);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('ready'), 15_000));
  await pid1Of(child.pid);
  // Node alone is about 40 MiB; the supervisor a few hundred KiB (the
  // benchmark holds the figure, this guards against Node staying).
  const rss = await until(() => {
    const kb = vmRSS(child.pid);
    return kb < 1024 ? kb : undefined;
  }, 5000);
  assert.ok(rss, `VmRSS ${vmRSS(child.pid)} kB`);
  assert.equal(readFileSync(`/proc/${child.pid}/comm`, 'utf8'), 'contain\n');
  child.kill('SIGKILL');
});

test('built with musl where its compiler is installed (CI installs it), the supervisor stays under 256 KiB resident', { timeout: 60_000 }, async (t) => {
  const musl = run('sh', ['-c', 'command -v musl-gcc']).status === 0;
  if (!needs(t, musl, 'musl-gcc is not installed: the supervisor is built with the C library of cc')) return;
  const root = busyboxRoot(t);
  const child = startContain(t, ['-c', root, '/bin/sleep', '100']);
  await pid1Of(child.pid);
  // Settled: the same twice, once contain is the supervisor program.
  let last = 0;
  const rss = await until(() => {
    const kb = readlinkSync(`/proc/${child.pid}/exe`).endsWith('/supervisor/contain') ? vmRSS(child.pid) : 0;
    const settled = kb > 0 && kb === last ? kb : undefined;
    last = kb;
    return settled;
  }, 5000, 100);
  // glibc's static one is about 780 KiB resident.
  assert.ok(rss < 256, `VmRSS ${rss} kB`);
  child.kill('SIGKILL');
});

/** What PID 1 writes: 13,896 bytes without a final newline, or lines. */
const BURSTS = {
  'no final newline': ['seq 1 3000 | tr "\\n" " "; printf end', () => `${Array.from({ length: 3000 }, (_, i) => i + 1).join(' ')} end`],
  'a final newline': ['seq 1 3000; echo last', () => `${Array.from({ length: 3000 }, (_, i) => i + 1).join('\n')}\nlast\n`],
};

test('every byte PID 1 writes to the console arrives: 200 bursts each to a file, a pipe and a terminal', { timeout: 300_000 }, (t) => {
  const root = busyboxRoot(t);
  const dir = scratch(t);
  for (const [name, [script, expected]] of Object.entries(BURSTS)) {
    const want = join(dir, 'want');
    writeFileSync(want, expected());
    giveToTestUser(want);
    // script(1) gives each a terminal; the bodies of its records (between
    // its first and last line) must be what the program wrote there itself.
    for (const [file, command] of [['direct.sh', `/bin/sh -c '${script.replace(/'/g, "'\\''")}'`],
      ['contain.sh', `${containCommand(root, '/bin/sh', '-c', script)} </dev/null`]]) {
      writeFileSync(join(dir, file), `${command}\n`);
      giveToTestUser(join(dir, file));
    }
    const terminal = (record) => `script -qec "sh ${dir}/${record}.sh" ${dir}/${record} >/dev/null && sed '1d;$d' ${dir}/${record}`;
    // One shell runs the 200 rounds: cmp names the first round that differs.
    const loop = `
      ${terminal('direct')} >${dir}/want-terminal
      [ -s ${dir}/want-terminal ] || { echo "script recorded nothing"; exit 1; }
      i=0; while [ $i -lt 200 ]; do i=$((i + 1))
        ${containCommand(root, '/bin/sh', '-c', script)} </dev/null >${dir}/file || { echo "round $i: status $?"; exit 1; }
        cmp ${dir}/file ${want} || { echo "round $i: file differs"; exit 1; }
        ${containCommand(root, '/bin/sh', '-c', script)} </dev/null | cat >${dir}/pipe
        cmp ${dir}/pipe ${want} || { echo "round $i: pipe differs"; exit 1; }
        ${terminal('contain')} >${dir}/terminal || { echo "round $i: terminal status $?"; exit 1; }
        cmp ${dir}/terminal ${dir}/want-terminal || { echo "round $i: terminal differs"; exit 1; }
      done; echo all-rounds`;
    const r = run('/bin/sh', ['-c', loop], { timeout: 240_000 });
    assert.equal(r.stdout.trim().split('\n').pop(), 'all-rounds', `${name}: ${r.stdout}${r.stderr}`);
  }
});

test('through a terminal, the output is byte for byte what the program writes there itself', (t) => {
  const root = busyboxRoot(t);
  const dir = scratch(t);
  // script(1) records what reaches its terminal: no \r\r\n, no stray bytes.
  const program = 'printf "one\\ntwo\\r\\nthree"; printf "\\033[1mbold\\033[0m\\n"';
  const direct = run('script', ['-qec', `/bin/sh -c '${program}'`, join(dir, 'direct')]);
  assert.equal(direct.status, 0, direct.stderr);
  const through = run('script', ['-qec', `${containCommand(root, '/bin/sh', '-c', program)} </dev/null`, join(dir, 'contain')]);
  assert.equal(through.status, 0, through.stderr);
  const body = (file) => readFileSync(join(dir, file), 'latin1').replace(/^Script started[^\n]*\n/, '').replace(/\nScript done[^]*$/, '');
  assert.equal(JSON.stringify(body('contain')), JSON.stringify(body('direct')));
  assert.match(body("contain"), /^one\r\ntwo\r\r\nthree/);
});

/** State letter of a process, or undefined once it is gone. */
/** Living processes of the host whose process group is `group`. */
function groupMembers(group) {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(fields[2]) === group && fields[0] !== 'Z';
    } catch {
      return false;
    }
  });
}

terminalTest('contain -d DIR /sbin/init runs in the background; --attach shows what it printed, typing works, Ctrl-] x3 detaches', async (t) => {
  const root = busyboxRoot(t);
  // busybox init: a message at boot, a shell on the console.
  assert.equal(run('ln', ['-s', '/bin/busybox', join(root, 'sbin/init')]).status, 0);
  writeAs(join(root, 'etc/inittab'), '::sysinit:/bin/echo early-output\n::respawn:-/bin/sh\n');
  const term = new Terminal(t, { columns: 97, rows: 31 });
  term.type(`${containCommand('-d', '--name', 'bginit', '--stop-timeout', '10', root, '/sbin/init')}; echo "exit:$?"`);
  assert.ok(await term.waitFor(/^bginit\r?\n/m), term.screen());
  assert.ok(await term.waitFor(/exit:0/), term.screen());
  t.after(() => cli('contain', ['--stop', 'bginit']));
  const info = list().find((c) => c.name === 'bginit');
  assert.ok(info, 'listed');
  const namespace = pidNamespace(info.pid1);
  // The supervisor, what it started on the host (the console's holder)
  // and its janitor: none may outlive the container.
  const host = [info.pid, ...childrenOf(info.pid).filter((p) => p !== info.pid1), ...groupMembers(info.pid)];
  assert.ok(await until(() => cli('contain', ['--log', 'bginit']).stdout.includes('early-output'), 5000));
  term.type(`${containCommand('--attach', 'bginit')}; echo "attach-exit:$?"`);
  assert.ok(await term.waitFor(/early-output/), term.screen());
  term.type('echo typed-$((6 * 7))');
  assert.ok(await term.waitFor(/^typed-42\r?$/m), term.screen());
  term.type('stty size');
  assert.ok(await term.waitFor(/^31 97\r?$/m), term.screen());
  term.tmux('resize-window', '-x', '111', '-y', '33');
  assert.ok(await until(() => {
    if (/^33 111\r?$/m.test(term.screen())) return true;
    term.type('stty size');
    return false;
  }, 10_000, 500), term.screen());
  term.keys('C-]', 'C-]', 'C-]');
  assert.ok(await term.waitFor(/attach-exit:0/), term.screen());
  // Detached, the container runs on and its output goes to the log.
  assert.ok(list().find((c) => c.name === 'bginit'), 'still running after detach');
  const r = cli('contain', ['--stop', 'bginit']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(livingIn(namespace), []);
  const gone = (pid) => [undefined, 'Z'].includes(state(pid));
  assert.ok(await until(() => host.every(gone), 5000), `left: ${host.filter((pid) => !gone(pid))}`);
  assert.equal(existsSync(join(runtimeDir(TEST_USER), 'contain', 'bginit')), false, 'its entry is left');
});

test('the console log of a detached container stays bounded, and keeps the newest output', { timeout: 90_000 }, async (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-d', '--name', 'chatty', '--stop-timeout', '1', root, '/bin/sh', '-c',
    'yes 0123456789 | head -c 5000000; echo end-of-output; exec sleep 1000']);
  assert.equal(r.status, 0, r.stderr);
  t.after(() => cli('contain', ['--stop', 'chatty']));
  const log = await until(() => {
    const out = cli('contain', ['--log', 'chatty']).stdout;
    return out.endsWith('end-of-output\r\n') && out;
  }, 30_000, 200);
  assert.ok(log, 'the last line is not in the log');
  // The newest MiB and the one before, at most: of 5.5 MB written.
  assert.ok(log.length > 1 << 20 && log.length <= 2 << 20, `${log.length} bytes`);
  // From within a line on, each byte as written.
  assert.match(log, /^([0-9]*\r?\n)?(0123456789\r\n)*01234end-of-output\r\n$/);
  const dir = join(runtimeDir(TEST_USER), 'contain', 'chatty');
  const total = readdirSync(dir).reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
  assert.ok(total <= (2 << 20) + 4096, `${total} bytes in ${dir}`);
});

test('a second --attach while one is attached is refused in words, also when it types at once', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-d', '--name', 'busy', root, '/bin/sh']);
  assert.equal(r.status, 0, r.stderr);
  t.after(() => cli('contain', ['--stop', 'busy']));
  // The first client, at script's terminal, fed by a pipe that stays open.
  const first = start('script', ['-qc', containCommand('--attach', 'busy'), '/dev/null']);
  t.after(() => first.kill('SIGKILL'));
  let seen = '';
  first.stdout.on('data', (d) => { seen += d; });
  first.stdin.write('echo attached-$((6 * 7))\r');
  assert.ok(await until(() => /^attached-42\r?$/m.test(seen), 10_000), seen);
  // script types at once (its input ends at once): what the supervisor
  // did not read must not swallow the refusal.
  const loop = `i=0; while [ $i -lt 10 ]; do i=$((i + 1))
    script -qec "${containCommand('--attach', 'busy').replace(/"/g, '\\"')}" /dev/null </dev/null; echo "status:$?"
  done`;
  const again = run('/bin/sh', ['-c', loop], { timeout: 50_000 });
  assert.equal(again.stdout.replace(/\r/g, ''), 'contain: busy: the console is attached elsewhere\nstatus:125\n'.repeat(10));
});

test('--attach to a container without a console (-c) says so', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  startContain(t, ['-c', '--name', 'noconsole', root, '/bin/sh', '-c', 'touch /tmp/up; exec sleep 100']);
  assert.ok(await until(() => existsSync(join(root, 'tmp/up')), 15_000));
  const r = run('script', ['-qec', containCommand('--attach', 'noconsole'), '/dev/null'], { timeout: 20_000 });
  assert.equal(r.stdout.replace(/\r/g, ''), 'contain: noconsole: it has no console to attach to (started with -c)\n');
  assert.equal(r.status, 125);
});

terminalTest('Ctrl-] three times detaches a container started in the foreground, which runs on', async (t) => {
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  term.type(`${containCommand('--name', 'fg', root)}; echo "fg-exit:$?"`);
  assert.ok(await term.waitFor(/^\/ # $/m), term.screen());
  term.type('echo inside-$((1 + 1))');
  assert.ok(await term.waitFor(/^inside-2\r?$/m), term.screen());
  term.keys('C-]', 'C-]', 'C-]');
  assert.ok(await term.waitFor(/detached from fg/), term.screen());
  // The shell has its prompt back and reads lines again.
  term.type('echo host-$((2 + 3))');
  assert.ok(await term.waitFor(/^host-5$/m), term.screen());
  t.after(() => cli('contain', ['--stop', 'fg']));
  const info = await until(() => list().find((c) => c.name === 'fg'), 5000);
  assert.ok(info, 'still running');
  const stat = readFileSync(`/proc/${info.pid}/stat`, 'utf8').split(') ')[1];
  assert.notEqual(stat[0], 'T', 'the supervisor is not left stopped');
  term.type(`${containCommand('--attach', 'fg')}; echo "attach-exit:$?"`);
  await new Promise((r) => setTimeout(r, 500));
  term.type('echo back-$((3 + 4))');
  assert.ok(await term.waitFor(/^back-7\r?$/m), term.screen());
  term.type('exit 0');
  assert.ok(await term.waitFor(/attach-exit:0/), term.screen());
  assert.ok(await until(() => !list().find((c) => c.name === 'fg'), 5000));
});

for (const shell of [['/bin/sh'], ['/bin/bash', '--norc', '--noprofile']]) {
  terminalTest(`fg after a detach in ${shell[0]} re-attaches the terminal to the console`, async (t) => {
    const root = busyboxRoot(t);
    const term = new Terminal(t, { shell });
    term.type(containCommand('--name', 'again', root));
    t.after(() => cli('contain', ['--stop', 'again']));
    assert.ok(await term.waitFor(/^\/ # $/m), term.screen());
    term.keys('C-]', 'C-]', 'C-]');
    assert.ok(await term.waitFor(/detached from again/), term.screen());
    term.type('echo host-$((2 + 3))');
    assert.ok(await term.waitFor(/^host-5$/m), term.screen());
    // bash continues no job it saw running again: fg only hands it the
    // terminal (dash sends SIGCONT as well).
    term.type('fg');
    await new Promise((r) => setTimeout(r, 1000));
    term.type('echo back-$((3 + 4))');
    assert.ok(await term.waitFor(/^back-7\r?$/m), term.screen());
    term.type('exit 0');
    assert.ok(await term.waitFor(/^host\$ $/m), term.screen());
    // fg's status is the job's: the container's.
    term.type('echo "fg-exit:$?"');
    assert.ok(await term.waitFor(/^fg-exit:0$/m), term.screen());
  });
}

terminalTest('contain in a background job and under timeout runs to its end, never stopped by the terminal', async (t) => {
  const root = busyboxRoot(t);
  const term = new Terminal(t);
  term.type(`${containCommand(root, '/bin/sh', '-c', 'sleep 1; echo bg-done; exit 3')} & wait $!; echo "bg-exit:$?"`);
  assert.ok(await term.waitFor(/bg-exit:3/, 20_000), term.screen());
  assert.match(term.screen(), /bg-done/);
  assert.doesNotMatch(term.screen(), /Stopped/);
  term.type(`timeout 20 ${containCommand(root, '/bin/sh', '-c', 'sleep 1; echo timeout-done; exit 4')}; echo "timeout-exit:$?"`);
  assert.ok(await term.waitFor(/timeout-exit:4/, 30_000), term.screen());
  assert.match(term.screen(), /timeout-done/);
  // The shell's terminal is as it was: it reads lines and echoes them.
  term.type('echo sane-$((4 + 4))');
  assert.ok(await term.waitFor(/^sane-8$/m), term.screen());
});
