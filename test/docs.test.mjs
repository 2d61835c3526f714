// Each tool's --help and its man page (man/<tool>.1) say the same, word for
// word: the usage line is the synopsis, every option has the same tag and
// description, every paragraph of --help is in the page. Each page has the
// sections a user looks for, and what only one page documents (pseudo's
// files, contain's file system, stop signals and PATH) is checked too.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, TEST_USER, busyboxRoot, cli, needs, run, runtimeDir, scratch, subids } from './helpers.mjs';
import { Terminal } from './contain-support.mjs';
import { entries, plain, readPage, section, shown, text, words } from './manpage.mjs';

const TOOLS = {
  pseudo: {
    options: ['-u MAP', '-g MAP', '-h, --help', '-V, --version'],
    sections: ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'DEFAULT MAPS', 'EXIT STATUS', 'SIGNALS',
      'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO'],
    paragraphs: 5,
  },
  contain: {
    options: ['-c, --no-console', '-d, --detach', '-e, --env VAR=VALUE', '-f, --file FILE', '-g, --gid-map MAP',
      '-i, --inside CMD', '-n', '-o, --outside CMD', '-p, --publish SPEC', '-u, --uid-map MAP', '--host-loopback',
      '--hostname NAME', '--init', '--name NAME', '--network MODE',
      '--bind SRC[:DST]', '--ro-bind SRC[:DST]', '--tmpfs DST[:OPTIONS]', '--read-only', '--ephemeral',
      '--stop-signal SIG', '--stop-timeout SECS', '--list', '--stop NAME', '--attach NAME', '--log NAME',
      '-h, --help', '-V, --version'],
    sections: ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'FILE SYSTEM', 'CONSOLE', 'RUNNING CONTAINERS', 'HELPERS',
      'NETWORK', 'SIGNALS', 'EXIT STATUS', 'ENVIRONMENT', 'FILES', 'EXAMPLES', 'SEE ALSO'],
    paragraphs: 5,
  },
  inject: {
    options: ['-e VAR=VALUE', '-u USER[:GROUP]', '-w DIR', '-h, --help', '-V, --version'],
    sections: ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'SIGNALS', 'EXIT STATUS', 'ENVIRONMENT',
      'EXAMPLES', 'SEE ALSO'],
    paragraphs: 7,
  },
};

/** What `tool --help` prints, run as the test user; it must exit 0. */
function help(tool) {
  const r = cli(tool, ['--help']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The options of --help: [{ tag, text }], continuation lines joined. */
function helpOptions(usage) {
  const [, after] = usage.split('\nOptions:\n');
  assert.ok(after, '--help has an Options: block');
  const options = [];
  for (const line of after.split('\n\n')[0].split('\n')) {
    const entry = /^ {2}(-\S*(?:,? \S+)*?)(?: {2,}(.*))?$/.exec(line);
    if (entry) options.push({ tag: entry[1], text: entry[2] ?? '' });
    else {
      assert.ok(options.length > 0, `an option line: ${line}`);
      options[options.length - 1].text += ` ${line}`;
    }
  }
  return options.map((o) => ({ tag: o.tag, text: words(o.text) }));
}

/** The paragraphs of --help other than the Options: block. */
function helpParagraphs(usage) {
  return usage.split('\n\n').filter((p) => !p.startsWith('Options:'));
}

for (const [tool, want] of Object.entries(TOOLS)) {
  const page = readPage(tool);

  test(`${tool} --help prints the usage and exits 0, and -h prints the same`, () => {
    const usage = help(tool);
    assert.match(usage, new RegExp(`^Usage: ${tool} \\[OPTIONS\\] `));
    const short = cli(tool, ['-h']);
    assert.equal(short.status, 0, short.stderr);
    assert.equal(short.stdout, usage);
  });

  test(`man/${tool}.1 has the sections a user looks for`, () => {
    assert.match(page[0], new RegExp(`^\\.TH ${tool.toUpperCase()} 1 `));
    for (const name of want.sections) section(page, name);
  });

  test(`the synopsis of man/${tool}.1 is the usage line of ${tool} --help`, () => {
    const usageLine = help(tool).split('\n')[0].replace(/^Usage: /, '');
    assert.equal(text(section(page, 'SYNOPSIS')), usageLine);
  });

  test(`every option of ${tool} --help is in man/${tool}.1 with the same words, and no other`, () => {
    const fromHelp = helpOptions(help(tool));
    assert.deepEqual(fromHelp.map((o) => o.tag), want.options);
    assert.deepEqual(entries(page, 'OPTIONS'), fromHelp);
  });

  test(`every paragraph of ${tool} --help is in man/${tool}.1 word for word`, () => {
    const whole = text(page);
    const paragraphs = helpParagraphs(help(tool));
    assert.ok(paragraphs.length >= want.paragraphs, `${paragraphs.length} paragraphs`);
    // The usage line stays in: the page's synopsis runs on into the same
    // words as --help.
    for (const paragraph of paragraphs) {
      const said = words(paragraph.replace(/^Usage: /, ''));
      assert.ok(whole.includes(said), `the man page says: ${said}`);
    }
  });
}

test('man/pseudo.1 FILES names the id files and the /proc files of the maps', () => {
  const files = plain(section(readPage('pseudo'), 'FILES')).join(' ');
  for (const file of ['/etc/subuid', '/etc/subgid', '/proc/PID/uid_map', '/proc/PID/gid_map', '/proc/PID/setgroups']) {
    assert.ok(files.includes(file), `FILES names ${file}`);
  }
});

test('man/contain.1 FILE SYSTEM describes /dev, /proc, /sys and cgroup2, and every node of /dev', () => {
  const found = entries(readPage('contain'), 'FILE SYSTEM');
  assert.deepEqual(found.map((e) => e.tag), ['/dev', '/proc', '/sys', '/sys/fs/cgroup']);
  const dev = found[0].text;
  for (const name of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'console', 'pts', 'ptmx', 'shm',
    'fd', 'stdin', 'stdout', 'stderr']) {
    assert.match(dev, new RegExp(`\\b${name}\\b`), `/dev/${name} is described`);
  }
});

test('man/contain.1 SIGNALS gives the stop signal of each init', () => {
  const inits = Object.fromEntries(entries(readPage('contain'), 'SIGNALS').map((e) => [e.tag, e.text]));
  assert.deepEqual(Object.keys(inits), ['busybox init', 'sysvinit', 'runit', 'systemd']);
  assert.match(inits['busybox init'], /^SIGUSR2 powers off/);
  assert.match(inits.sysvinit, /^SIGINT runs the ctrlaltdel entry/);
  assert.match(inits.runit, /^SIGINT runs \/etc\/runit\/ctrlaltdel/);
  assert.match(inits.systemd, /^SIGRTMIN\+3 halts/);
});

test('man/contain.1 gives the PATH that PID 1 really gets', (t) => {
  const root = busyboxRoot(t);
  const r = cli('contain', ['-c', root, '/bin/sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ | grep ^PATH=; true']);
  assert.equal(r.status, 0, r.stderr);
  const path = r.stdout.trim();
  assert.match(path, /^PATH=\//);
  assert.ok(text(readPage('contain')).includes(path), `the man page gives ${path}`);
});

/** The literal (.nf ... .fi) blocks of a section, as a reader sees their lines. */
function literalBlocks(page, name) {
  const blocks = [];
  let block;
  for (const line of section(page, name)) {
    if (line === '.nf') block = [];
    else if (line === '.fi') blocks.push(block), block = undefined;
    else if (block) block.push(shown(line));
  }
  return blocks;
}

test('the busybox examples of contain(1), typed into a terminal as the test user, print what the page shows', { timeout: 120_000 }, async (t) => {
  const [shell, one] = literalBlocks(readPage('contain'), 'EXAMPLES');
  assert.match(shell[0], /^\$ mkdir -p root\/bin$/);
  assert.match(one[0], /^\$ echo hi \| contain root cat$/);
  const dir = scratch(t);
  const bin = join(scratch(t), 'bin');
  mkdirSync(bin);
  for (const [tool, file] of Object.entries(BIN)) symlinkSync(file, join(bin, tool));
  const term = new Terminal(t);
  term.type(`export PATH=${bin}:/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR=${runtimeDir(TEST_USER)}; cd ${dir}`);
  let inside = false;
  let seen = 0;
  for (const line of [...shell, ...one]) {
    const host = /^\$ (.*)$/.exec(line);
    const container = /^\/ # (.*)$/.exec(line);
    if (host || container) {
      // A command typed at the prompt it shows: the host's, or the
      // container's shell's (a prompt with nothing typed after it yet).
      const prompt = host ? /^host\$ $/m : /^\/ # $/m;
      assert.ok(await term.waitFor(prompt, 30_000), `no prompt for ${line}:\n${term.screen()}`);
      term.type((host ?? container)[1]);
      inside = Boolean(container) || /^\$ contain root$/.test(line);
    } else {
      // What the page says it prints, on a line of its own.
      const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.ok(await term.waitFor(new RegExp(`^${escaped}$`, 'm'), 30_000), `no line ${line}:\n${term.screen()}`);
      seen++;
      if (inside) {
        // Leave the container's shell for the next example.
        term.type('exit');
        inside = false;
      }
    }
  }
  assert.equal(seen, 2, 'both examples show output');
  assert.ok(await term.waitFor(/^host\$ $/m), term.screen());
});

test('pseudo(1)\'s examples, run as the test user, unpack a tarball of many owners and remove the tree rm -rf cannot', (t) => {
  if (!needs(t, subids('/etc/subuid', TEST_USER).length > 0 && subids('/etc/subgid', TEST_USER).length > 0,
    `${TEST_USER} has subordinate ids`)) return;
  const blocks = literalBlocks(readPage('pseudo'), 'EXAMPLES');
  const unpack = blocks.find((b) => b[0].startsWith('$ mkdir tree && pseudo tar -xpf rootfs.tar'));
  const remove = blocks.find((b) => b[0].startsWith('$ pseudo rm -rf tree'));
  assert.ok(unpack && remove, 'pseudo(1) shows how to unpack a tarball and how to remove the tree');
  const dir = scratch(t);
  const bin = join(scratch(t), 'bin');
  mkdirSync(bin);
  for (const [tool, file] of Object.entries(BIN)) symlinkSync(file, join(bin, tool));
  const env = { PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` };
  // rootfs.tar: root's files, and alice's (1000) private home.
  const made = cli('pseudo', ['sh', '-e', '-c', 'mkdir -p src/home/alice/dir && echo hi > src/home/alice/dir/file '
    + '&& chown -R 1000:1000 src/home/alice && chmod 700 src/home/alice && tar -cf rootfs.tar -C src . && rm -rf src'],
  { cwd: dir });
  assert.deepEqual([made.status, made.stderr], [0, '']);
  const type = (line) => run('sh', ['-e', '-c', line.replace(/^\$ /, '')], { cwd: dir, env });
  for (const line of unpack) {
    const r = type(line);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', ''], line);
  }
  // The caller's own rm -rf cannot empty alice's home.
  const plain = run('rm', ['-rf', 'tree'], { cwd: dir, env });
  assert.notEqual(plain.status, 0);
  assert.match(plain.stderr, /Permission denied/);
  for (const line of remove) {
    const r = type(line);
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, '', ''], line);
  }
  assert.equal(existsSync(join(dir, 'tree')), false, 'the tree is gone');
});
