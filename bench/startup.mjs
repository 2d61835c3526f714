// Start-up of pseudo, contain and inject against `node -e 0` and the C
// tools, interleaved: each round runs every command once (hyperfine
// --runs 1, which also gives each run's CPU time), so that load on the
// machine falls on all of them alike. Then where the time goes: the same
// tools run with bench/trace.cjs preloaded, which marks each phase of one
// start, and the parent's clock gives the time before Node's first
// JavaScript and after its last. Used by bench/run.mjs.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const TRACE = new URL('./trace.cjs', import.meta.url).pathname;
// The monotonic clock bench/trace.cjs reads in the tools.
const now = () => Number(process.hrtime.bigint()) / 1e6;

export const median = (values) => {
  const sorted = values.filter((v) => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * Every command once per round, `rounds` times, in the order given:
 * { name: { wall: [ms], cpu: [ms] } }.
 */
export function interleaved(ctx, commands, rounds, warmup = 3, extra = []) {
  const json = join(ctx.work, 'round.json');
  const results = Object.fromEntries(commands.map(([name]) => [name, { wall: [], cpu: [] }]));
  for (let round = 0; round < warmup + rounds; round++) {
    const args = ['-N', '--runs', '1', '--warmup', '0', '--style', 'none', '--export-json', json, ...extra];
    for (const [name, command] of commands) args.push('-n', name, command);
    const r = ctx.spawn(['hyperfine', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`hyperfine failed: ${r.stderr}`);
    if (round < warmup) continue;
    for (const x of JSON.parse(readFileSync(json, 'utf8')).results) {
      results[x.command].wall.push(x.times[0] * 1000);
      results[x.command].cpu.push((x.user + x.system) * 1000);
    }
  }
  return results;
}

/**
 * One traced start: the marks of bench/trace.cjs, with the parent's start
 * and end. The tools run as their users run them, as programs, so that
 * Node gets the flags of their start line; the preload comes through
 * NODE_OPTIONS.
 */
function traced(ctx, argv, file) {
  rmSync(file, { force: true });
  const start = now();
  const r = ctx.spawn(argv, { stdio: 'ignore', env: { STARTUP_TRACE: file, NODE_OPTIONS: `--require ${TRACE}` } });
  const end = now();
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: status ${r.status}`);
  return { marks: JSON.parse(readFileSync(file, 'utf8').trim().split('\n').pop()), start, end };
}

export const PHASES = [
  'Node start (exec to the first JavaScript)',
  'bin: read the bundle and its code cache',
  'bundle compile and top level',
  'options, /etc and /proc reads',
  'koffi load',
  'native library load',
  'work before the clone (paths, fds, config)',
  'clone (ct_spawn, ct_join)',
  'newuidmap + newgidmap',
  'exec round trip (until the command runs)',
  'command runs, its exit is seen',
  'after the command\'s exit, in JavaScript',
  'process exit',
  'total',
];

/** The phases of one traced start, in ms, as PHASES lists them (undefined: not in this run). */
export function phases({ marks, start, end }) {
  const first = (name) => marks.find((m) => m.name === name);
  const last = (name) => marks.findLast((m) => m.name === name);
  const preload = first('preload').t, exit = last('exit').t;
  const clone = marks.find((m) => m.name === 'ct_spawn' || m.name === 'ct_join');
  const helperPids = marks.filter((m) => m.name === 'ct_run_helper').map((m) => m.result);
  const helpersDone = marks.filter((m) => m.name === 'ct_waitpid' && helperPids.includes(m.result)).pop();
  const after = (m) => clone && m.t > clone.end;
  // The command has exec'd once the start reads its end of file: pseudo
  // and contain then release the child's stack, inject reaps its joiner.
  const execDone = marks.find((m) => m.name === 'ct_spawn_release' && after(m))
    ?? marks.find((m) => m.name === 'ct_waitpid' && after(m) && m.args.at(-1) === 0 && !helperPids.includes(m.result));
  // Its end: pseudo's blocking wait (ct_forward_wait) returning it, or a
  // wait with WNOHANG (flag 1) that found it.
  const ended = marks.find((m) => after(m) && m.result > 0
    && (m.name === 'ct_forward_wait' || (m.name === 'ct_waitpid' && (m.args.at(-1) & 1) === 1)));
  const span = (from, to) => (from !== undefined && to !== undefined ? to - from : undefined);
  if (!first('bundle-start')) {
    // node -e 0: nothing but Node.
    return [preload - start, ...Array(10).fill(undefined), exit - preload, end - exit, end - start];
  }
  const koffiEnd = last('koffi-end')?.t;
  // Functions are declared when first called, within the phase that calls them.
  const bound = first('library-load-end')?.t;
  const afterClone = helpersDone?.end ?? clone?.end;
  return [
    preload - start,
    span(preload, first('bundle-start').t),
    span(first('bundle-start').t, first('bundle-end').t),
    span(first('bundle-end').t, first('koffi-start')?.t),
    span(first('koffi-start')?.t, koffiEnd),
    span(koffiEnd, bound),
    span(bound, clone?.t),
    span(clone?.t, clone?.end),
    helpersDone ? span(clone.end, helpersDone.end) : 0,
    span(afterClone, execDone?.end),
    span(execDone?.end, ended?.end),
    span(ended?.end ?? execDone?.end ?? afterClone, exit),
    end - exit,
    end - start,
  ];
}

/** Traced starts of each command, interleaved: { name: [phases per run] }. */
export function breakdown(ctx, commands, rounds) {
  const file = join(ctx.work, 'trace.jsonl');
  const results = Object.fromEntries(commands.map(([name]) => [name, []]));
  for (let round = 0; round < rounds + 2; round++) {
    for (const [name, argv] of commands) {
      const run = phases(traced(ctx, argv, file));
      if (round >= 2) results[name].push(run);
    }
  }
  return results;
}

const ms = (v) => (v === undefined ? '–' : v.toFixed(1));

export function breakdownTable(results) {
  const names = Object.keys(results);
  const lines = [`| phase (median ms) | ${names.map((n) => `\`${n}\``).join(' | ')} |`,
    `|---|${names.map(() => '---:').join('|')}|`];
  PHASES.forEach((phase, i) => {
    lines.push(`| ${phase} | ${names.map((n) => ms(median(results[n].map((run) => run[i])))).join(' | ')} |`);
  });
  return lines.join('\n');
}

export function startupTable(results, baseline, targets) {
  const base = results[baseline];
  const baseWall = median(base.wall), baseCpu = median(base.cpu);
  const lines = ['| command | median ms | vs node -e 0 | CPU ms | CPU vs node -e 0 | target |', '|---|---:|---:|---:|---:|---|'];
  for (const [name, r] of Object.entries(results)) {
    const wall = median(r.wall), cpu = median(r.cpu);
    const diff = wall - baseWall;
    lines.push(`| \`${name}\` | ${wall.toFixed(1)} | ${diff >= 0 ? '+' : ''}${diff.toFixed(1)} ms | ${cpu.toFixed(1)} | `
      + `${(cpu / baseCpu).toFixed(2)}× | ${targets[name] ?? ''} |`);
  }
  return lines.join('\n');
}
