// Container definitions: ini files found by --name in the user's config
// directory, or given with -f; every key an option; bad files refused with
// one line naming FILE:LINE and the key, status 64, nothing left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AS_ROOT, REPO, busyboxRoot, cli, finished, needs, runtimeDir, scratch, until, TEST_USER } from './helpers.mjs';
import { giveToTestUser, startContain, writeAs } from './contain-support.mjs';

/** A config home with contain/NAME.ini holding `text`; returns its env. */
function configHome(t, name, text) {
  const home = scratch(t);
  mkdirSync(join(home, 'contain'));
  giveToTestUser(join(home, 'contain'));
  writeAs(join(home, 'contain', `${name}.ini`), text);
  return { XDG_CONFIG_HOME: home };
}

/** The names of the registry entries in a runtime directory: what a start may leave. */
function entries(runtime) {
  try {
    return readdirSync(join(runtime, 'contain'));
  } catch {
    return [];
  }
}

test('contain --name X boots X.ini: its root, command, hostname and stop signal', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const env = configHome(t, 'web', [
    '; a test definition',
    '[container]',
    `root = ${root}`,
    // ; starts a comment in an ini value: \; is the character.
    'command = /bin/sh -c \'trap "echo got-usr1\\; exit 7" USR1\\; echo "ready on $(hostname)"\\; while :\\; do sleep 0.1\\; done\'',
    'hostname = webhost',
    'stop-signal = USR1',
    'console = false',
  ].join('\n'));
  const child = startContain(t, ['--name', 'web'], { env });
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  assert.ok(await until(() => output.includes('ready'), 15_000), output);
  assert.match(output, /^ready on webhost$/m);
  const list = cli('contain', ['--list', '--json'], { env });
  const web = JSON.parse(list.stdout).find((c) => c.name === 'web');
  assert.equal(web.root, root);
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.status, 7, r.stderr);
  assert.match(output, /^got-usr1$/m);
});

test('--name looks in ~/.config/contain without XDG_CONFIG_HOME (or with a relative one), then in /etc/contain', (t) => {
  if (!needs(t, AS_ROOT, 'writing /etc/contain needs root')) return;
  const root = busyboxRoot(t);
  const name = `rc-test-${process.pid}`;
  const made = !existsSync('/etc/contain');
  mkdirSync('/etc/contain', { recursive: true });
  t.after(() => {
    rmSync(`/etc/contain/${name}.ini`, { force: true });
    if (made) rmSync('/etc/contain', { recursive: true, force: true });
  });
  writeFileSync(`/etc/contain/${name}.ini`, `[container]\nroot = ${root}\ncommand = /bin/echo from-etc\nconsole = false\n`);
  const home = scratch(t);
  for (const config of ['', 'relative']) {
    const env = { HOME: home, XDG_CONFIG_HOME: config };
    let r = cli('contain', ['--name', name], { env });
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'from-etc\n', ''], `XDG_CONFIG_HOME=${config}`);
    mkdirSync(join(home, '.config', 'contain'), { recursive: true });
    giveToTestUser(join(home, '.config'));
    giveToTestUser(join(home, '.config', 'contain'));
    writeAs(join(home, '.config', 'contain', `${name}.ini`), `[container]\nroot = ${root}\ncommand = /bin/echo from-home\nconsole = false\n`);
    r = cli('contain', ['--name', name], { env });
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'from-home\n', ''], `XDG_CONFIG_HOME=${config}`);
    rmSync(join(home, '.config'), { recursive: true });
  }
});

test('an option on the command line overrides the key; operands are CMD when the file names the root', (t) => {
  const root = busyboxRoot(t);
  const env = configHome(t, 'box', `[container]\nroot = ${root}\ncommand = /bin/sh -c 'echo from-file\\; hostname'\nhostname = filehost\nconsole = false\n`);
  let r = cli('contain', ['--name', 'box'], { env });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'from-file\nfilehost\n', '']);
  r = cli('contain', ['--hostname', 'clihost', '--name', 'box', '/bin/hostname'], { env });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'clihost\n', '']);
  // Repeated keys are repeated options: the command line's come after.
  const env2 = configHome(t, 'envs', `[container]\nroot = ${root}\nenv = A=1\nenv = B=2\nconsole = false\n`);
  r = cli('contain', ['-e', 'C=3', '--name', 'envs', '/bin/sh', '-c', 'echo $A$B$C'], { env: env2 });
  assert.deepEqual([r.status, r.stdout.trim()], [0, '123'], r.stderr);
});

test('--no-FLAG turns off a flag the file sets, and --console turns on the console it turns off', (t) => {
  const root = busyboxRoot(t);
  const env = configHome(t, 'flags', `[container]\nroot = ${root}\ninit = true\nread-only = true\nconsole = false\n`);
  // init = true: the command is PID 2 under contain's init, and the root is read-only.
  let r = cli('contain', ['--name', 'flags', '/bin/sh', '-c', 'echo $$; touch /x 2>/dev/null || echo ro'], { env });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '2\nro\n', '']);
  r = cli('contain', ['--no-init', '--no-read-only', '--name', 'flags', '/bin/sh', '-c', 'echo $$; touch /x && rm /x && echo rw'],
    { env });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, '1\nrw\n', '']);
  // console = false, then --console: PID 1's stdout is the console, a terminal, not contain's pipe.
  r = cli('contain', ['--console', '--name', 'flags', '/bin/sh', '-c', '[ -t 1 ] && echo tty'], { env });
  assert.deepEqual([r.status, r.stdout.replace(/\r/g, ''), r.stderr], [0, 'tty\n', '']);
});

test('command is split as a shell splits it; ; and # start a comment unless escaped or in one quoted string', (t) => {
  const root = busyboxRoot(t);
  const dir = scratch(t);
  const cases = [
    // Quoted words keep their quotes for the shell, also first and last.
    [`'/bin/echo' "c\\"d" 'a  b'`, 'c"d a  b\n'],
    // One quoted string is ini's: unquoted, with no comment in it.
    [`"/bin/sh -c 'echo x; echo y # z'"`, 'x\ny\n'],
    // Elsewhere ; and # start a comment, unless escaped.
    ['/bin/echo a\\;b c\\#d ; a comment', 'a;b c#d\n'],
    ['/bin/echo e#f', 'e\n'],
  ];
  for (const [i, [command, output]] of cases.entries()) {
    const file = join(dir, `c${i}.ini`);
    writeAs(file, `[container]\nroot = ${root}\ncommand = ${command}\nconsole = false\n`);
    const r = cli('contain', ['-f', file]);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, output, ''], command);
  }
});

test('-f takes a file anywhere; its relative root is relative to the file', (t) => {
  const dir = scratch(t);
  const root = busyboxRoot(t);
  const sub = join(dir, 'defs');
  mkdirSync(sub);
  giveToTestUser(sub);
  // root relative to defs/: ../<root> expressed from the file's directory.
  writeAs(join(sub, 'mine.ini'), `[container]\nroot = ${join('..', '..', root.split('/').slice(-2).join('/'))}\ncommand = /bin/echo hello\nconsole = false\n`);
  // The scratch directories are siblings under the same parent.
  const r = cli('contain', ['-f', join(sub, 'mine.ini')], { cwd: '/' });
  assert.equal(r.stderr, '');
  assert.deepEqual([r.status, r.stdout], [0, 'hello\n']);
});

test('the example of contain.ini(5) boots, answers inject by name and stops', { timeout: 90_000 }, async (t) => {
  const page = readFileSync(join(REPO, 'man/contain.ini.5'), 'utf8');
  const example = /\.\\" begin example box\.ini\n([^]*?)\.\\" end example/.exec(page);
  assert.ok(example, 'the page has the example');
  const root = busyboxRoot(t);
  writeAs(join(root, 'etc/inittab'), '::respawn:/bin/sleep 1000\n');
  const dir = join(root, '..');
  writeAs(join(dir, 'box.ini'), example[1]);
  const env = { XDG_CONFIG_HOME: scratch(t) };
  let r = cli('contain', ['-f', join(dir, 'box.ini')], { env, timeout: 30_000 });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'box\n', '']);
  t.after(() => cli('contain', ['--stop', 'box'], { env }));
  r = cli('inject', ['box', '/bin/sh', '-c', 'echo $GREETING from $(hostname)'], { env });
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'hello from box\n', '']);
  r = cli('contain', ['--stop', 'box'], { env, timeout: 30_000 });
  assert.deepEqual([r.status, r.stderr], [0, '']);
  assert.deepEqual(JSON.parse(cli('contain', ['--list', '--json'], { env }).stdout).filter((c) => c.name === 'box'), []);
});

test('bad definitions: one line naming FILE:LINE and the key, status 64, nothing left behind', (t) => {
  const root = busyboxRoot(t);
  const dir = scratch(t);
  const cases = [
    ['section', `[container]\nroot = ${root}\n[network]\nmode = pasta\n`, /:3: unknown section \[network\]/],
    ['outside', `root = ${root}\n[container]\n`, /:1: root: keys belong in a \[container\] section/],
    ['unknown', `[container]\nroot = ${root}\nstop-timout = 5\n`, /:3: unknown key stop-timout/],
    ['kind', `[container]\nroot = ${root}\nstop-timeout = soon\n`, /:3: stop-timeout soon: not a number of seconds/],
    ['flag', `[container]\nroot = ${root}\nread-only = maybe\n`, /:3: read-only maybe: not true or false/],
    ['twice', `[container]\nroot = ${root}\nhostname = a\nhostname = b\n`, /:4: hostname given twice \(first on line 3\)/],
    ['quote', `[container]\nroot = ${root}\ncommand = /bin/sh -c 'echo\n`, /:3: command: a single quote is not closed/],
    ['noroot', '[container]\ncommand = /bin/true\n', /noroot\.ini: no root = DIR in it, and no DIR given/],
    ['signal', `[container]\nroot = ${root}\nstop-signal = SIGNOPE\n`, /:3: stop-signal SIGNOPE: not a signal/],
    ['detach', `[container]\nroot = ${root}\ndetach = true\nconsole = false\n`, /:3: detach needs the console/],
  ];
  const before = readdirSync(root).sort();
  // A runtime directory of this test's own: other tests' containers come and go in the shared one.
  const env = { XDG_RUNTIME_DIR: scratch(t) };
  for (const [name, text, message] of cases) {
    const file = join(dir, `${name}.ini`);
    writeAs(file, text);
    const r = cli('contain', ['-f', file], { env });
    assert.equal(r.status, 64, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^contain: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), name);
    assert.match(r.stderr, message, name);
    assert.match(r.stderr, /^[^\n]+\n$/, `${name}: one line`);
  }
  // An unreadable file: the file and why.
  const unreadable = join(dir, 'unreadable.ini');
  writeAs(unreadable, `[container]\nroot = ${root}\n`, 0o000);
  const r = cli('contain', ['-f', unreadable], { env });
  assert.equal(r.status, 64);
  assert.match(r.stderr, /unreadable\.ini: cannot read it: permission denied\n$/i);
  assert.deepEqual(readdirSync(root).sort(), before, 'nothing created in the root');
  assert.deepEqual(entries(env.XDG_RUNTIME_DIR), [], 'nothing left in the registry');
});

test('every option of contain --help is a key, but -f and those about running containers', (t) => {
  const root = busyboxRoot(t);
  const dir = scratch(t);
  const help = cli('contain', ['--help']).stdout;
  const longs = [...help.matchAll(/^ {2}(?:-\S, )?--(?:no-)?([a-z-]+)/gm)].map((m) => m[1]);
  assert.ok(longs.includes('console') && longs.includes('hostname') && longs.includes('publish'), longs.join(' '));
  const none = ['file', 'list', 'stop', 'attach', 'log', 'help', 'version'];
  for (const key of [...longs, 'json']) {
    const file = join(dir, `${key}.ini`);
    writeAs(file, `[container]\nroot = ${root}\n${key} = bogus-value\n`);
    const r = cli('contain', ['-f', file]);
    // Each key's own complaint about the value, or none: never an unknown key.
    const unknown = r.stderr.includes(`:3: unknown key ${key}`);
    assert.equal(unknown, none.includes(key) || key === 'json', `${key}: ${r.stderr}`);
  }
});

test('--name NAME with no definition and no DIR says both are missing', (t) => {
  const env = { XDG_CONFIG_HOME: scratch(t) };
  const r = cli('contain', ['--name', 'nothing-here'], { env });
  assert.equal(r.status, 64);
  assert.match(r.stderr, /^contain: DIR is missing, and no definition nothing-here\.ini is in /);
  assert.ok(!existsSync(join(runtimeDir(TEST_USER), 'contain', 'nothing-here')));
});

test('a name is a short word: others are refused before anything starts', (t) => {
  const root = busyboxRoot(t);
  // A file ../x.ini beside the directory of definitions is never read as one.
  const env = configHome(t, 'y', '[container]\n');
  writeAs(join(env.XDG_CONFIG_HOME, 'x.ini'), '[container]\nbogus = 1\n');
  for (const name of ['a b', '../x', '-x', '.hidden', 'x'.repeat(65), 'ü', '2024']) {
    for (const args of [['-c', `--name=${name}`, root, '/bin/true'], [`--name=${name}`]]) {
      const r = cli('contain', args, { env });
      assert.equal(r.status, 64, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /^contain: --name .*: a name is 1 to 64 letters[^\n]*\n$/);
    }
  }
});
