// Benchmarks against named baselines, with hyperfine, as the unprivileged
// test user (ctest when run by root). Prints a Markdown report and writes
// it to bench/RESULTS.md; `node bench/run.mjs [name...]` runs a subset.
// Numbers are reported, never asserted: speed is not a test.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
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
  const r = spawnSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
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

let builtRoot;
function busyboxRoot() {
  if (builtRoot) return builtRoot;
  const root = join(work, 'root');
  builtRoot = root;
  sh(`mkdir -p ${root}/bin ${root}/proc ${root}/sys ${root}/dev ${root}/tmp ${root}/etc && cp /bin/busybox ${root}/bin/ `
    + `&& for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox ${root}/bin/$a; done`);
  return root;
}

const benches = {
  pseudo() {
    const rows = hyperfine([
      ['node -e 0', 'node -e 0'],
      ['pseudo true', `${BIN('pseudo')} true`],
      ['unshare --map-auto --map-root-user true', 'unshare --map-auto --map-root-user true'],
    ]);
    return `### pseudo start-up\n\n${table(rows, 'node -e 0')}\n\nTarget: \`pseudo true\` at most 10 ms above \`node -e 0\`.`;
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
  contain() {
    const root = busyboxRoot();
    const rows = hyperfine([
      ['node -e 0', 'node -e 0'],
      ['contain DIR /bin/true', `${BIN('contain')} -c ${root} /bin/true`],
      ['unshare ... --fork --pid --mount --uts --ipc --net true',
        'unshare --map-auto --map-root-user --fork --pid --mount --uts --ipc --net true'],
      ['bwrap --unshare-all', `bwrap --unshare-all --bind ${root} / --proc /proc --dev /dev /bin/true`],
    ]);
    return `### contain start-up\n\n${table(rows, 'node -e 0')}\n\nTarget: \`contain DIR /bin/true\` at most 15 ms above \`node -e 0\`. `
      + '`contain` runs with `-c` here (hyperfine has no terminal); its set-up includes /dev, /proc, /sys and cgroup2 mounts.';
  },
  console() {
    const root = busyboxRoot();
    sh(`head -c 268435456 /dev/urandom | base64 > ${root}/tmp/big`);
    const size = Number(sh(`stat -c %s ${root}/tmp/big`));
    const rows = hyperfine([
      ['script -qc cat BIGFILE', `script -qc "cat ${root}/tmp/big" /dev/null`],
      ['contain DIR cat BIGFILE', `${BIN('contain')} ${root} cat /tmp/big`],
      ['contain -c DIR cat BIGFILE', `${BIN('contain')} -c ${root} cat /tmp/big`],
    ], ['--output', 'null'], 5);
    const mbs = (r) => (size / 1e6 / (r.median / 1000)).toFixed(0);
    const script = rows[0];
    const lines = ['| command | median s | MB/s | of script |', '|---|---:|---:|---:|'];
    for (const r of rows) {
      lines.push(`| \`${r.name}\` | ${(r.median / 1000).toFixed(2)} | ${mbs(r)} | ${(100 * script.median / r.median).toFixed(0)}% |`);
    }
    return `### Console throughput (${(size / 1e6).toFixed(0)} MB to /dev/null)\n\n${lines.join('\n')}\n\n`
      + 'Target: the console at least 90% of script\'s throughput.';
  },
  inject() {
    const root = busyboxRoot();
    const [file, ...args] = asUser([BIN('contain'), '-c', root, '/bin/sh', '-c', 'sleep 1000']);
    const container = spawn(file, args, { stdio: 'ignore' });
    try {
      let pid;
      for (let i = 0; i < 100 && !pid; i++) {
        spawnSync('sleep', ['0.05']);
        pid = spawnSync('pgrep', ['-n', '-x', 'contain', '-u', String(who.uid)], { encoding: 'utf8' }).stdout.trim();
      }
      const pid1 = spawnSync('pgrep', ['-P', pid], { encoding: 'utf8' }).stdout.trim();
      const rows = hyperfine([
        ['node -e 0', 'node -e 0'],
        ['inject PID /bin/true', `${BIN('inject')} ${pid} /bin/true`],
        ['nsenter -t PID -a true', `nsenter -t ${pid1} -a --preserve-credentials /bin/true`],
      ]);
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
      return `### inject start-up\n\n${table(rows, 'node -e 0')}\n\nTarget: \`inject PID /bin/true\` at most 10 ms above \`node -e 0\`.\n\n`
        + `### Supervisor memory\n\nResident memory of an idle \`contain -c\` supervisor: ${(rss / 1024).toFixed(1)} MiB (VmRSS).`;
    } finally {
      container.kill('SIGKILL');
    }
  },
};

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

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
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
  + `Node ${process.version}, as an unprivileged user, files on ${onTmpfs ? 'a tmpfs' : 'disk'}; hyperfine medians of ${RUNS} runs unless noted.`];
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
