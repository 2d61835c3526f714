// completion/rootless-contain.bash, sourced in bash as the test user and
// asked as bash asks it (COMP_WORDS, COMP_CWORD, then the function): it
// offers every option of each tool's --help and of contain's option table
// and nothing else, takes the same options' values as the tools do, and
// completes network modes, signals, the names of running containers,
// definitions, directories for DIR and commands inside the root.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, REPO, TEST_USER, busyboxRoot, cli, needs, run, scratch, until } from './helpers.mjs';
import { Terminal, writeAs } from './contain-support.mjs';

const SCRIPT = join(REPO, 'completion/rootless-contain.bash');
const require = createRequire(import.meta.url);
const { OPTIONS } = require(join(REPO, 'packages/contain/dist/options.js'));
const { NETWORK_MODES } = require(join(REPO, 'packages/contain/dist/settings.js'));
const { signalNumber } = require(join(REPO, 'packages/core/dist/signals.js'));
const { STOP_RULES } = require(join(REPO, 'packages/contain/dist/stop-signal.js'));

/**
 * A bin directory with the three tools, as `npm install -g` makes one,
 * first in PATH: the completion runs `contain --list --json` from there.
 */
const binDirs = new WeakMap();
function binDir(t) {
  if (!binDirs.has(t)) {
    const dir = join(scratch(t), 'bin');
    mkdirSync(dir);
    for (const [tool, path] of Object.entries(BIN)) symlinkSync(path, join(dir, tool));
    binDirs.set(t, dir);
  }
  return binDirs.get(t);
}

/**
 * What the completion offers for the command line `words`, the last word
 * being the one under the cursor: COMPREPLY, one entry a line.
 */
function complete(t, words, { env = {}, cwd, bin = binDir(t) } = {}) {
  const tool = words[0];
  const script = 'source "$1" || exit 1; f=$2; shift 2; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
    + '"$f"; printf "%s\\n" "${COMPREPLY[@]}"';
  const r = run('bash', ['--norc', '--noprofile', '-c', script, 'bash', SCRIPT, `_${tool}`, ...words], {
    env: { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`, ...env },
    cwd,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '', `${words.join(' ')}: nothing on stderr`);
  return r.stdout.split('\n').filter(Boolean);
}

/** The options of `tool --help`: [{ names: ['-u', '--uid-map'], value: 'MAP' or undefined }]. */
function helpOptions(tool) {
  const help = cli(tool, ['--help']).stdout;
  const block = help.split('\nOptions:\n')[1].split('\n\n')[0];
  return block.split('\n').filter((l) => /^ {2}-/.test(l)).map((line) => {
    const tag = line.trim().split(/ {2,}/)[0];
    const [names, value] = [tag.split(/,? /).filter((w) => w.startsWith('-')), tag.split(' ').find((w) => !w.startsWith('-'))];
    return { names, value };
  });
}

/**
 * Starts `contain -d --init --name NAME ROOT sleep` in the registry of
 * `env`. Stopped after the test, before the scratch directory of that
 * registry goes (hooks run in the order they are added: `stops` must
 * have been registered before it was made).
 */
function startNamed(t, stops, env, name) {
  const r = cli('contain', ['-d', '--init', '--name', name, busyboxRoot(t), '/bin/sleep', '1000'], { env, timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  stops.push(() => cli('contain', ['--stop', name], { env, timeout: 60_000 }));
}

/** A hook, added now, that runs the stops pushed on the array it returns. */
function stopsAfter(t) {
  const stops = [];
  t.after(() => { for (const stop of stops) stop(); });
  return stops;
}

/** The options of contain's option table (options.ts), as typed. */
function tableOptions() {
  return OPTIONS.map((o) => ({ names: [o.short && `-${o.short}`, `--${o.name}`].filter(Boolean), value: o.value }));
}

test('the completion is installed with the package and registers all three tools', (t) => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.ok(pkg.files.includes('completion/'), 'package.json "files" ships completion/');
  const r = run('bash', ['--norc', '--noprofile', '-c', 'source "$1" && complete -p pseudo contain inject', 'bash', SCRIPT]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'),
    ['complete -F _pseudo pseudo', 'complete -F _contain contain', 'complete -F _inject inject']);
});

for (const tool of ['pseudo', 'contain', 'inject']) {
  test(`${tool}: every option of --help is offered, and none it does not take`, (t) => {
    const offered = complete(t, [tool, '-']);
    const help = helpOptions(tool).flatMap((o) => o.names);
    assert.ok(help.length > 3, `--help lists options: ${help}`);
    for (const name of help) assert.ok(offered.includes(name), `${name} is offered`);
    // contain's table holds options whose --help lines are still to come.
    const known = new Set(tool === 'contain' ? [...help, ...tableOptions().flatMap((o) => o.names)] : help);
    for (const name of offered) assert.ok(known.has(name), `${name} is an option of ${tool}`);
  });

  test(`${tool}: an option's value is read as the tool reads it, so options go on after it`, (t) => {
    const options = helpOptions(tool).concat(tool === 'contain' ? tableOptions() : []);
    for (const { names, value } of options) {
      if (['--help', '--version', '--list', '--stop', '--attach', '--log'].includes(names.at(-1))) continue;
      for (const name of names) {
        // `-u MAP -` is at an option again; after a flag, too.
        const words = value ? [tool, name, 'x', '-'] : [tool, name, '-'];
        const offered = complete(t, words);
        assert.ok(offered.includes('-h'), `${words.join(' ')}: ${name} ${value ? 'takes' : 'takes no'} value: ${offered}`);
      }
    }
  });
}

test('contain: every option of the option table is offered, -c and -n too', (t) => {
  const offered = complete(t, ['contain', '-']);
  for (const { names } of tableOptions()) {
    // The table's console flag is typed as --no-console (or -c).
    const wanted = names.map((n) => (n === '--console' ? '--no-console' : n));
    for (const name of wanted) assert.ok(offered.includes(name), `${name} is offered`);
  }
  for (const name of ['-c', '-n']) assert.ok(offered.includes(name), name);
});

test('contain --network offers the network modes contain takes, as --network MODE and --network=MODE', (t) => {
  assert.deepEqual(complete(t, ['contain', '--network', '']), NETWORK_MODES);
  assert.deepEqual(complete(t, ['contain', '-c', '--network', 'p']), NETWORK_MODES.filter((m) => m.startsWith('p')));
  // bash splits --network=ho into --network, = and ho.
  assert.deepEqual(complete(t, ['contain', '--network', '=', 'ho']), ['host']);
  assert.deepEqual(complete(t, ['contain', '--network', '=']), NETWORK_MODES);
  // As one word (zsh, or no '=' in COMP_WORDBREAKS).
  assert.deepEqual(complete(t, ['contain', '--network=sl']), ['--network=slirp4netns']);
});

test('contain --stop-signal offers signals contain takes, each init\'s own among them', (t) => {
  const offered = complete(t, ['contain', '--stop-signal', '']);
  for (const name of offered) {
    const number = signalNumber(name);
    assert.ok(number > 0 && number < 65, `${name} is a signal contain takes`);
  }
  for (const rule of STOP_RULES) {
    assert.ok(offered.some((name) => signalNumber(name) === rule.signal), `signal ${rule.signal} (${rule.exe}) is offered`);
  }
  assert.ok(offered.includes('SIGRTMIN+3') && offered.includes('SIGTERM'));
  assert.deepEqual(complete(t, ['contain', '--stop-signal', 'SIGUS']), ['SIGUSR1', 'SIGUSR2']);
});

test('running containers: inject, contain --stop, --attach and --log offer their names, inject their pids', { timeout: 90_000 }, async (t) => {
  const stops = stopsAfter(t);
  const bin = binDir(t);
  // A registry of the test's own: containers of tests running beside
  // this one stay out of it.
  const env = { XDG_RUNTIME_DIR: scratch(t) };
  // A name may start with a digit, as a pid does.
  const names = ['3rd', 'completion-one', 'completion-two'];
  for (const name of names) startNamed(t, stops, env, name);
  const listed = JSON.parse(cli('contain', ['--list', '--json'], { env }).stdout);
  assert.deepEqual(listed.map((c) => c.name).sort(), names);
  for (const words of [['inject', ''], ['inject', '-u', 'root', 'comp'], ['contain', '--stop', ''],
    ['contain', '--attach', 'c'], ['contain', '--log', ''], ['contain', '--stop', '=', '']]) {
    const typed = words[words.length - 1];
    assert.deepEqual(complete(t, words, { env, bin }).sort(), names.filter((n) => n.startsWith(typed)), words.join(' '));
  }
  assert.deepEqual(complete(t, ['inject', 'completion-t'], { env, bin }), ['completion-two']);
  assert.ok(complete(t, ['inject', '3'], { env, bin }).includes('3rd'));
  const one = listed.find((c) => c.name === 'completion-one');
  assert.ok(complete(t, ['inject', String(one.pid).slice(0, 1)], { env, bin }).includes(String(one.pid)));
  assert.ok(complete(t, ['inject', String(one.pid1)], { env, bin }).includes(String(one.pid1)));
  // The command: a program of the container's, from its root.
  assert.ok(complete(t, ['inject', 'completion-one', 'ech'], { env, bin }).includes('echo'));
  assert.ok(complete(t, ['inject', 'completion-one', '/bin/bus'], { env, bin }).includes('/bin/busybox '));
  // Once stopped, a name is offered no more.
  assert.equal(cli('contain', ['--stop', 'completion-two'], { env, timeout: 60_000 }).status, 0);
  assert.ok(await until(() => !complete(t, ['inject', ''], { env, bin }).includes('completion-two'), 10_000));
  assert.deepEqual(complete(t, ['contain', '--stop', ''], { env, bin }).sort(), ['3rd', 'completion-one']);
});


test('contain --name offers the definitions, DIR directories only, the command from DIR', (t) => {
  const config = scratch(t);
  mkdirSync(join(config, 'contain'));
  writeAs(join(config, 'contain/web.ini'), '[container]\nroot = /nowhere\n');
  writeAs(join(config, 'contain/worker.ini'), '[container]\nroot = /nowhere\n');
  assert.deepEqual(complete(t, ['contain', '--name', 'w'], { env: { XDG_CONFIG_HOME: config } }), ['web', 'worker']);

  const root = busyboxRoot(t);
  const dir = join(root, '..');
  writeAs(join(dir, 'rootfile'), 'not a directory\n');
  // DIR: directories, not files.
  assert.deepEqual(complete(t, ['contain', '-c', 'roo'], { cwd: dir }), ['root']);
  // CMD: the root's programs, or its paths, not the host's.
  assert.deepEqual(complete(t, ['contain', 'root', 'busy'], { cwd: dir }), ['busybox']);
  assert.deepEqual(complete(t, ['contain', '-n', root, '/bin/bus']), ['/bin/busybox ']);
  assert.deepEqual(complete(t, ['contain', root, '/et']), ['/etc/']);
  // Actions on running containers take no DIR.
  assert.deepEqual(complete(t, ['contain', '--list', ''], { cwd: dir }), []);
});

test('pseudo completes commands, then their arguments as files', (t) => {
  const offered = complete(t, ['pseudo', '-u', '0:1000:1', 'ta']);
  assert.ok(offered.includes('tar'), offered.join(' '));
  assert.equal(new Set(offered).size, offered.length, 'each command once');
  const dir = scratch(t);
  writeAs(join(dir, 'rootfs.tar'), '');
  assert.deepEqual(complete(t, ['pseudo', 'tar', '-xf', 'root'], { cwd: dir }), ['rootfs.tar']);
});

test('zsh: through bashcompinit, Tab completes options, network modes and container names', { timeout: 90_000 }, async (t) => {
  if (!needs(t, run('sh', ['-c', 'command -v zsh']).status === 0, 'zsh is installed (apt-get install zsh)')) return;
  const stops = stopsAfter(t);
  const bin = binDir(t);
  const env = { XDG_RUNTIME_DIR: scratch(t) };
  startNamed(t, stops, env, 'zsh-completed');
  const term = new Terminal(t);
  term.type(`exec env PATH=${bin}:/usr/bin:/bin HOME=${scratch(t)} XDG_RUNTIME_DIR=${env.XDG_RUNTIME_DIR} PS1='zsh%# ' zsh -f`);
  // As the script's own comment says to load it.
  term.type(`autoload -U +X compinit bashcompinit && compinit -u && bashcompinit && source ${SCRIPT} && echo loaded`);
  assert.ok(await term.waitFor(/^loaded$/m), term.screen());
  term.tmux('send-keys', 'contain --netw', 'Tab');
  assert.ok(await term.waitFor(/contain --network $/m), term.screen());
  term.keys('Tab');
  assert.ok(await term.waitFor(/host +none +pasta +slirp4netns/), term.screen());
  term.keys('C-u');
  term.tmux('send-keys', 'inject zsh-c', 'Tab');
  assert.ok(await term.waitFor(/inject zsh-completed $/m), term.screen());
  term.keys('C-u');
});

test('the containers the tests above started are gone', async () => {
  // Their stop hooks ran before their registries were removed.
  const left = () => run('pgrep', ['-u', TEST_USER, '-f', '^contain (completion-|zsh-completed)']).stdout.trim();
  assert.equal(await until(() => left() === '', 10_000), true, `still running: ${left()}`);
});
