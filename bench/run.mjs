// Benchmarks against named baselines, with hyperfine, as the unprivileged
// test user (ctest when run by root). Prints a Markdown report and writes
// it to bench/RESULTS.md; `node bench/run.mjs [name...]` runs a subset.
// Numbers are reported, never asserted: speed is not a test.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { breakdown, breakdownTable, interleaved, median, startupTable } from './startup.mjs';
import { NODE_FLAGS } from '../scripts/compile-cache.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = (name) => join(REPO, `packages/${name}/bin/${name}`);
const AS_ROOT = process.getuid() === 0;
const USER = process.env.TEST_USER ?? (AS_ROOT ? 'ctest' : process.env.USER);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);

function ids(user) {
  const [, , uid, gid] = execFileSync('getent', ['passwd', user], { encoding: 'utf8' }).split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
const who = ids(USER);

// What a user's shell has, no more: this machine's environment sets
// NODE_EXTRA_CA_CERTS, which makes every Node start read and parse the
// system's certificates (about 30 ms), and would hide what the tools cost.
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/', LANG: 'C.UTF-8', USER, LOGNAME: USER };

function asUser(argv) {
  return AS_ROOT ? ['setpriv', '--reuid', USER, '--regid', USER, '--init-groups', '--', ...argv] : argv;
}
function sh(script, options = {}) {
  const [file, ...args] = asUser(['/bin/sh', '-c', script]);
  const r = spawnSync(file, args, { encoding: 'utf8', ...options });
  if (r.status !== 0) throw new Error(`${script}: ${r.stderr}`);
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'rc-bench-'));
// On a tmpfs when we can make one: creating and removing 30,000 files on
// this machine's disk takes seconds and varies by seconds, which would
// hide what the tools themselves cost.
const onTmpfs = AS_ROOT && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4g', 'bench', work]).status === 0;
if (AS_ROOT) chownSync(work, who.uid, who.gid);
// A runtime directory of the user's on a tmpfs, as a login session has
// one (/run/user/UID from pam_systemd): contain keeps its registry there.
// Without one it falls back to /tmp, which on this machine is an ext4
// without a journal, where creating a file scans the inode table for
// recently deleted inodes: a few ms of CPU per start that a login
// session does not pay.
const runtime = join(work, 'run-user');
sh(`mkdir -m 0700 ${runtime}`);
if (onTmpfs || process.env.XDG_RUNTIME_DIR) ENV.XDG_RUNTIME_DIR = onTmpfs ? runtime : process.env.XDG_RUNTIME_DIR;
process.on('exit', () => {
  // The extracted trees belong to the user's mapped ids: remove them as the user, in a namespace.
  const [file, ...args] = asUser([BIN('pseudo'), 'rm', '-rf', work]);
  spawnSync(file, args);
  if (onTmpfs) spawnSync('umount', [work]);
  rmSync(work, { recursive: true, force: true });
});

/** Runs hyperfine on named commands; returns [{name, median, mean, stddev}] in ms. */
function hyperfine(commands, extra = [], runs = RUNS) {
  const json = join(work, 'hyperfine.json');
  const args = ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', json, ...extra];
  for (const [name, command] of commands) args.push('-n', name, command);
  const [file, ...argv] = asUser(['hyperfine', ...args]);
  const r = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
  if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
  return JSON.parse(readFileSync(json, 'utf8')).results.map((x) => ({
    name: x.command, median: x.median * 1000, mean: x.mean * 1000, stddev: (x.stddev ?? 0) * 1000,
  }));
}

function table(rows, baseline) {
  const base = rows.find((r) => r.name === baseline);
  const lines = ['| command | median ms | mean ± sd ms | vs ' + baseline + ' |', '|---|---:|---:|---:|'];
  for (const r of rows) {
    const diff = base ? `${r.median - base.median >= 0 ? '+' : ''}${(r.median - base.median).toFixed(1)} ms` : '';
    lines.push(`| \`${r.name}\` | ${r.median.toFixed(1)} | ${r.mean.toFixed(1)} ± ${r.stddev.toFixed(1)} | ${diff} |`);
  }
  return lines.join('\n');
}

const builtRoots = new Map();
/** A busybox root; `name` gives another, since one tree runs one container at a time. */
function busyboxRoot(name = 'root') {
  if (builtRoots.has(name)) return builtRoots.get(name);
  const root = join(work, name);
  builtRoots.set(name, root);
  sh(`mkdir -p ${root}/bin ${root}/proc ${root}/sys ${root}/dev ${root}/tmp ${root}/etc && cp /bin/busybox ${root}/bin/ `
    + `&& for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox ${root}/bin/$a; done`);
  return root;
}

/** The context bench/startup.mjs runs in: commands as the user, in ENV. */
const ctx = {
  work,
  spawn(argv, options = {}) {
    const [file, ...args] = asUser(argv);
    return spawnSync(file, args, { encoding: 'utf8', ...options, env: { ...ENV, ...options.env } });
  },
};

/** A `contain -c ROOT sleep` for inject to join; stopped by the returned function. */
function runningContainer() {
  const root = busyboxRoot('running');
  const [file, ...args] = asUser([BIN('contain'), '-c', root, '/bin/sh', '-c', 'sleep 1000']);
  const container = spawn(file, args, { stdio: 'ignore', env: ENV });
  let pid;
  for (let i = 0; i < 100 && !pid; i++) {
    spawnSync('sleep', ['0.05']);
    pid = spawnSync('pgrep', ['-n', '-x', 'contain', '-u', String(who.uid)], { encoding: 'utf8' }).stdout.trim();
  }
  const pid1 = spawnSync('pgrep', ['-P', pid], { encoding: 'utf8' }).stdout.trim();
  return { pid, pid1, stop: () => container.kill('SIGKILL') };
}

/** Children's CPU time so far (user + system of waited-for children), in ms. */
function childrenCpu() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Starts n copies of a command at once: ms until each has printed its line, and CPU ms per start. */
function together(n, argvOf) {
  return new Promise((resolve, reject) => {
    const cpu = childrenCpu();
    const started = performance.now();
    let up = 0, allUp, open = n;
    for (let i = 0; i < n; i++) {
      const argv = argvOf(i);
      const [file, ...args] = asUser(argv);
      const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'], env: ENV });
      child.stdout.on('data', (data) => {
        up += String(data).split('\n').length - 1;
        if (up >= n && allUp === undefined) allUp = performance.now() - started;
      });
      child.on('error', reject);
      child.on('close', (status) => {
        if (status !== 0) reject(new Error(`${argv.join(' ')}: status ${status}`));
        if (--open === 0) resolve({ allUp, cpu: (childrenCpu() - cpu) / n });
      });
    }
  });
}

const benches = {
  startup() {
    const root = busyboxRoot();
    const container = runningContainer();
    try {
      const commands = [
        ['node -e 0', 'node -e 0'],
        [`node ${NODE_FLAGS.join(' ')} -e 0 (Node as the tools start it)`, `node ${NODE_FLAGS.join(' ')} -e 0`],
        ['pseudo true', `${BIN('pseudo')} true`],
        ['contain -c DIR /bin/true', `${BIN('contain')} -c ${root} /bin/true`],
        ['contain -c DIR /bin/true, registry in /tmp (env -u XDG_RUNTIME_DIR)',
          `env -u XDG_RUNTIME_DIR ${BIN('contain')} -c ${root} /bin/true`],
        ['inject PID /bin/true', `${BIN('inject')} ${container.pid} /bin/true`],
        ['unshare --map-auto --map-root-user true', 'unshare --map-auto --map-root-user true'],
        ['unshare ... --fork --pid --mount --uts --ipc --net true',
          'unshare --map-auto --map-root-user --fork --pid --mount --uts --ipc --net true'],
        ['bwrap --unshare-all', `bwrap --unshare-all --bind ${root} / --proc /proc --dev /dev /bin/true`],
        ['nsenter -t PID -a true', `nsenter -t ${container.pid1} -a --preserve-credentials /bin/true`],
      ];
      const results = interleaved(ctx, commands, RUNS);
      const phases = breakdown(ctx, [
        ['node -e 0', ['node', '-e', '0']],
        ['pseudo true', [BIN('pseudo'), 'true']],
        ['contain -c DIR /bin/true', [BIN('contain'), '-c', root, '/bin/true']],
        ['inject PID /bin/true', [BIN('inject'), container.pid, '/bin/true']],
      ], RUNS);
      const targets = {
        'pseudo true': 'at most +8 ms; CPU at most 1.4×',
        'contain -c DIR /bin/true': 'at most +12 ms; CPU at most 1.4×',
        'inject PID /bin/true': 'at most +8 ms; CPU at most 1.4×',
      };
      return `### Start-up\n\nEach of ${RUNS} rounds runs every command once, in this order (hyperfine --runs 1), `
        + 'so that the machine\'s load falls on all alike; medians of wall and CPU (user + system) time. '
        + `\`contain\` runs with \`-c\` (no terminal here); \`inject\` joins an idle \`contain -c\`.\n\n`
        + `${startupTable(results, 'node -e 0', targets)}\n\n`
        + '### Where the start-up goes\n\n'
        + `Each tool run ${RUNS} times with \`bench/trace.cjs\` preloaded, which marks each phase from outside the `
        + 'tools\' code (the bundle\'s compile, koffi\'s load, each native call); the time before the first '
        + 'JavaScript and after the last is from the parent\'s clock. Medians per phase, so they need not add up to '
        + 'the total, which includes the preload itself. The command has run once the start reads the end of its '
        + 'report pipe (pseudo and contain then free the child\'s stack, inject reaps its joiner); contain\'s '
        + 'supervisor, not its JavaScript, sees the command end, and its last JavaScript is the exec of the '
        + 'supervisor.\n\n'
        + `${breakdownTable(phases)}`;
    } finally {
      container.stop();
    }
  },
  async concurrent() {
    // A tree each: one tree runs one container at a time.
    const roots = smallRoots(100);
    const line = 'echo up; exec sleep 3';
    const commands = [
      ['node (its own start-up)', () => ['node', '-e', 'console.log("up"); setTimeout(() => {}, 3000)']],
      ['contain -c DIR sleep 3', (i) => [BIN('contain'), '-c', roots[i], '/bin/sh', '-c', line]],
      ['bwrap --unshare-all sleep 3', (i) => ['bwrap', '--unshare-all', '--bind', roots[i], '/', '--proc', '/proc',
        '--dev', '/dev', '/bin/sh', '-c', line]],
    ];
    const runs = Number(process.env.BENCH_CONCURRENT_RUNS ?? 3);
    const rows = ['| 100 at once | until all run, median s | min s | CPU per start ms |', '|---|---:|---:|---:|'];
    for (const [name, argv] of commands) {
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await together(100, argv));
      const times = results.map((r) => r.allUp / 1000);
      rows.push(`| \`${name}\` | ${median(times).toFixed(2)} | ${Math.min(...times).toFixed(2)} | `
        + `${median(results.map((r) => r.cpu)).toFixed(0)} |`);
    }
    return '### 100 containers at once\n\n'
      + `100 copies started at the same moment, ${runs} times each; each prints a line once its command runs `
      + '(`sh -c \'echo up; exec sleep 3\'`), and the time is until the last line. CPU per start is the children\'s '
      + 'CPU time over the batch, divided by 100.\n\n'
      + `${rows.join('\n')}\n\nTarget: all 100 containers running within 2.5 s.`;
  },
  tar() {
    const src = join(work, 'tree'), tarball = join(work, 'files.tar'), out = join(work, 'out');
    // 30,000 small files in 300 directories, owned by root in the archive.
    sh(`mkdir -p ${src} && cd ${src} && for d in $(seq 1 300); do mkdir d$d; for f in $(seq 1 100); do echo $d$f > d$d/f$f; done; done`
      + ` && tar -C ${src} --owner=0 --group=0 -cf ${tarball} . && rm -rf ${src}`);
    const prepare = `sh -c 'rm -rf ${out} && mkdir ${out}'`;
    const rows = hyperfine([
      ['fakeroot tar -xf', `fakeroot tar -xf ${tarball} -C ${out}`],
      ['unshare --map-auto --map-root-user tar -xf', `unshare --map-auto --map-root-user tar -xf ${tarball} -C ${out}`],
      ['pseudo tar -xf', `${BIN('pseudo')} tar -xf ${tarball} -C ${out}`],
    ], ['--prepare', prepare], 10);
    return `### Extracting a 30,000-file tarball\n\n${table(rows, 'fakeroot tar -xf')}\n\n`
      + 'Target: faster than fakeroot, and within Node\'s start-up of unshare.';
  },
  console() {
    const root = busyboxRoot();
    bigFile(root);
    const size = Number(sh(`stat -c %s ${root}/tmp/big`));
    // Inside script(1), so that contain's stdout is a terminal, as script's
    // own is; interleaved, one run of each per round, since this machine's
    // load swings by a fifth from one minute to the next.
    const commands = [
      ['script -qc "cat BIGFILE"', `script -qc "cat ${root}/tmp/big" /dev/null`],
      ['script -qc "contain DIR cat BIGFILE"', `script -qc "${BIN('contain')} ${root} cat /tmp/big </dev/null" /dev/null`],
      ['contain DIR cat BIGFILE > /dev/null', `${BIN('contain')} ${root} cat /tmp/big`],
      ['contain -c DIR cat BIGFILE > /dev/null', `${BIN('contain')} -c ${root} cat /tmp/big`],
    ];
    const rounds = Number(process.env.BENCH_CONSOLE_ROUNDS ?? 9);
    const results = interleaved(ctx, commands, rounds, 1, ['--output', 'null']);
    const seconds = (name) => median(results[name].wall) / 1000;
    const script = seconds(commands[0][0]);
    const lines = ['| command | median s | MB/s | of script |', '|---|---:|---:|---:|'];
    for (const [name] of commands) {
      const s = seconds(name);
      lines.push(`| \`${name}\` | ${s.toFixed(2)} | ${(size / 1e6 / s).toFixed(0)} | ${(100 * script / s).toFixed(0)}% |`);
    }
    return `### Console throughput (${(size / 1e6).toFixed(0)} MB)\n\n`
      + `${rounds} rounds, each running every command once in this order; medians.\n\n${lines.join('\n')}\n\n`
      + 'Target: `contain DIR cat BIGFILE` inside script at least 100% of `script -qc "cat BIGFILE"`.';
  },
  async supervisor() {
    const root = busyboxRoot();
    bigFile(root);
    const kib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    const mib = (k) => (k / 1024).toFixed(2);
    // Idle, then after relaying the big file (300 MB and more) to /dev/null.
    const done = join(root, 'tmp/relayed');
    const [file, ...args] = asUser([BIN('contain'), root, '/bin/sh', '-c',
      'cat /tmp/big; cat /tmp/big > /dev/null; touch /tmp/relayed; exec sleep 1000']);
    const relaying = spawn(file, args, { stdio: ['ignore', 'ignore', 'ignore'], env: ENV });
    const idle = await settle(relaying.pid, kib);
    for (let i = 0; i < 1200 && !existsSync(done); i++) await new Promise((r) => setTimeout(r, 100));
    const after = kib(relaying.pid);
    relaying.kill('SIGKILL');
    // A hundred idle containers, each on a tree of its own.
    const roots = smallRoots(100);
    const many = roots.map((r) => spawn(...(([f, ...a]) => [f, a])(asUser([BIN('contain'), '-c', r, '/bin/sleep', '1000'])),
      { stdio: 'ignore', env: ENV }));
    await new Promise((r) => setTimeout(r, 8000));
    const totals = await Promise.all(many.map((c) => settle(c.pid, kib)));
    const janitors = spawnSync('pgrep', ['-u', String(who.uid), '-x', 'janitor'], { encoding: 'utf8' }).stdout.trim()
      .split('\n').filter(Boolean).map(Number);
    const janitorKib = janitors.reduce((sum, pid) => sum + kib(pid), 0);
    many.forEach((c) => c.kill('SIGKILL'));
    const total = totals.reduce((a, b) => a + b, 0);
    return '### Supervisor memory\n\n'
      + '| supervisor | VmRSS | target |\n|---|---:|---:|\n'
      + `| idle \`contain DIR\` (console) | ${mib(idle)} MiB | 1 MiB |\n`
      + `| the same after relaying ${(2 * Number(sh(`stat -c %s ${root}/tmp/big`)) / 1e6).toFixed(0)} MB | ${mib(after)} MiB | 1 MiB |\n`
      + `| 100 idle \`contain -c DIR sleep\`, all together | ${mib(total)} MiB | 150 MB |\n`
      + `| their ${janitors.length} janitors, all together | ${mib(janitorKib)} MiB | |\n\n`
      + 'Baselines measured on this machine for the issue: an idle Node supervisor 42-44 MiB, arachsys contain 1.4 MiB, '
      + 'conmon about 0.27 MiB (reported).';
  },
};

let small;
/** n trees with just busybox as sh and sleep (hard links to one copy), made once. */
function smallRoots(n) {
  if (small?.length >= n) return small.slice(0, n);
  const root = busyboxRoot();
  small = Array.from({ length: n }, (_, i) => join(work, `many/${i}`));
  sh(small.map((r) => `mkdir -p ${r}/bin ${r}/proc ${r}/sys ${r}/dev && ln -f ${root}/bin/busybox ${r}/bin/busybox`
    + ` && ln -sf busybox ${r}/bin/sh && ln -sf busybox ${r}/bin/sleep`).join(' && '));
  return small;
}

/** A 360 MB text file in the root's /tmp, made once. */
function bigFile(root) {
  if (!existsSync(`${root}/tmp/big`)) sh(`head -c 268435456 /dev/urandom | base64 > ${root}/tmp/big`);
}

/** The VmRSS of a supervisor once it has exec'd and settled, in KiB. */
async function settle(pid, kib) {
  let last = 0;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    let exe = '';
    try { exe = readlinkSync(`/proc/${pid}/exe`); } catch { /* not yet */ }
    if (exe.endsWith('/supervisor/contain')) {
      const now = kib(pid);
      if (now === last) return now;
      last = now;
    }
  }
  return last;
}

/** The busybox root with iperf3 and the libraries ldd says it needs, copied from the host. */
function iperfRoot() {
  const root = busyboxRoot();
  const files = ['/usr/bin/iperf3', ...execFileSync('ldd', ['/usr/bin/iperf3'], { encoding: 'utf8' })
    .split('\n').map((l) => /(\/\S+) \(0x/.exec(l)?.[1]).filter(Boolean)];
  sh(`cp -L --parents ${files.join(' ')} ${root}/`);
  return root;
}

/** Starts a command as the user without waiting; resolves when `pattern` shows in its output. */
function startUntil(argv, pattern) {
  const [file, ...args] = asUser(argv);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const look = (d) => {
      out += d;
      if (pattern.test(out)) resolve(child);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', () => reject(new Error(`${argv.join(' ')} ended: ${out}`)));
  });
}

/** Runs an iperf3 client (argv ends with its options); its received throughput in Gbit/s. */
function iperfClient(argv) {
  const [file, ...args] = asUser(argv);
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 120_000 });
  const start = r.stdout.indexOf('{');
  if (r.status !== 0 || start < 0) throw new Error(`${argv.join(' ')}: ${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout.slice(start)).end.sum_received.bits_per_second / 1e9;
}

const IPERF_SECONDS = Number(process.env.BENCH_IPERF_SECONDS ?? 5);
const IPERF_ROUNDS = Number(process.env.BENCH_IPERF_ROUNDS ?? 5);

benches.network = async () => {
  const root = iperfRoot();
  const contain = BIN('contain');
  const client = ['-t', String(IPERF_SECONDS), '-O', '1', '-J'];
  const hostPort = 25201, publishedPort = 25202;
  const gateway = 'ip route | awk \'/^default/ { print $3 }\'';
  const server = await startUntil(['iperf3', '-s', '--forceflush', '-B', '127.0.0.1', '-p', String(hostPort)], /listening/);
  const rows = [];
  try {
    const fromHost = async (name, run) => {
      const runs = [];
      for (let i = 0; i < IPERF_ROUNDS; i++) runs.push(await run());
      rows.push({ name, gbits: median(runs), min: Math.min(...runs), max: Math.max(...runs) });
      process.stderr.write(`bench: ${name}: ${runs.map((r) => r.toFixed(2)).join(', ')} Gbit/s\n`);
    };
    await fromHost('host loopback: iperf3 to 127.0.0.1 on the host', () =>
      iperfClient(['iperf3', '-c', '127.0.0.1', '-p', String(hostPort), ...client]));
    await fromHost('container to host, `--network host`', () =>
      iperfClient([contain, '-c', '-n', root, '/usr/bin/iperf3', '-c', '127.0.0.1', '-p', String(hostPort), ...client]));
    for (const mode of ['pasta', 'slirp4netns']) {
      await fromHost(`container to host, \`--network ${mode} --host-loopback\` (to the gateway)`, () =>
        iperfClient([contain, '-c', '--network', mode, '--host-loopback', root, '/bin/sh', '-c',
          `exec /usr/bin/iperf3 -c $(${gateway}) -p ${hostPort} ${client.join(' ')}`]));
    }
    for (const mode of ['pasta', 'slirp4netns']) {
      await fromHost(`host to container, \`--network ${mode} -p ${publishedPort}:5201\``, async () => {
        const container = await startUntil([contain, '-c', '--network', mode, '-p', `127.0.0.1:${publishedPort}:5201`, root,
          '/usr/bin/iperf3', '-s', '--forceflush', '-1', '-p', '5201'], /listening/);
        try {
          return iperfClient(['iperf3', '-c', '127.0.0.1', '-p', String(publishedPort), ...client]);
        } finally {
          await new Promise((resolve) => { container.once('exit', resolve); setTimeout(() => container.kill('SIGKILL'), 5000); });
        }
      });
    }
  } finally {
    server.kill('SIGKILL');
  }
  const base = rows[0].gbits;
  const lines = ['| path | median Gbit/s | range | of host loopback |', '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.gbits.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} | `
      + `${(100 * r.gbits / base).toFixed(0)}% |`)];
  const ratio = (pattern) => {
    const [pasta, slirp] = ['pasta', 'slirp4netns'].map((m) => rows.find((r) => r.name.includes(` ${m} `) && pattern.test(r.name)));
    return (pasta.gbits / slirp.gbits).toFixed(1);
  };
  return `### Network throughput (iperf3, TCP)\n\n${lines.join('\n')}\n\n`
    + `Measured ${new Date().toISOString().slice(0, 10)}, ${IPERF_ROUNDS} runs of ${IPERF_SECONDS} s each (the first second `
    + 'omitted), all in the same run, as the unprivileged user. The iperf3 server on the host listens on 127.0.0.1, '
    + 'which pasta and slirp4netns reach through the gateway\'s address with `--host-loopback`; both run at MTU 65520. '
    + `pasta over slirp4netns: ${ratio(/to host/)} times from the container to the host, `
    + `${ratio(/to container/)} times through a published port.`;
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches);
const parts = [`Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0].model.trim()}, `
  + `Node ${process.version}, as an unprivileged user with a plain environment (PATH, HOME, LANG, USER, `
  + `${ENV.XDG_RUNTIME_DIR ? 'and XDG_RUNTIME_DIR on a tmpfs as in a login session' : 'no XDG_RUNTIME_DIR'}), `
  + `files on ${onTmpfs ? 'a tmpfs' : 'disk'}; hyperfine medians of ${RUNS} runs unless noted.`];
for (const name of chosen) {
  process.stderr.write(`bench: ${name}\n`);
  parts.push(await benches[name]());
  process.stderr.write(`${parts[parts.length - 1]}\n\n`);
}
const report = parts.join('\n\n') + '\n';
process.stdout.write(report);
const RESULTS = join(REPO, 'bench/RESULTS.md');
if (chosen.length === Object.keys(benches).length) writeFileSync(RESULTS, report);
else writeFileSync(RESULTS, replaceSections(readFileSync(RESULTS, 'utf8'), parts.slice(1).join('\n\n')));

/**
 * RESULTS.md with the ### sections of `fresh` in place of those of the
 * same heading (new ones at the end): a subset run updates only its own.
 */
function replaceSections(old, fresh) {
  const split = (text) => text.split(/^(?=### )/m);
  const [head, ...sections] = split(old.trimEnd());
  const heading = (section) => section.split('\n')[0];
  for (const section of split(fresh.trim())) {
    const i = sections.findIndex((s) => heading(s) === heading(section));
    const text = `${section.trim()}\n\n`;
    if (i >= 0) sections[i] = text;
    else sections.push(text);
  }
  return `${head.trimEnd()}\n\n${sections.map((s) => `${s.trim()}\n`).join('\n')}`;
}
