// Boot time of real roots: wall time from starting `contain -n ROOT
// /sbin/init` to the first respawned service running, seen from the host
// through /proc. Uses the end-to-end suite's cached roots (built on first
// use, as root). Reported, never asserted: speed is not a test.
//   node bench/boot.mjs [root...]      (BOOT_RUNS=10 by default)
import { writeFileSync } from 'node:fs';
import { cannotDelegate, delegatedCgroup } from '../test/e2e/cgroup.mjs';
import { Container } from '../test/e2e/container.mjs';
import { rootCopy } from '../test/e2e/roots.mjs';

const RUNS = Number(process.env.BOOT_RUNS ?? 10);

const ROOTS = {
  'busybox-init': { label: 'busybox init' },
  'debian-sysvinit': { label: 'Debian 12 sysvinit' },
  'debian-runit': { label: 'Debian 12 runit' },
  'debian-systemd': { label: 'Debian 12 systemd (delegated cgroup)', cgroup: true },
};

/** A stand-in for a test context: collects clean-ups and runs them. */
function context() {
  const hooks = [];
  return {
    after: (hook) => hooks.push(hook),
    async done() {
      for (const hook of hooks.splice(0)) await hook();
    },
  };
}

async function once(name, { cgroup }) {
  const t = context();
  let container;
  t.after(() => container?.destroy());
  try {
    const group = cgroup ? delegatedCgroup(t) : undefined;
    const root = rootCopy(t, name);
    container = new Container(root, { args: ['-n'], cgroup: group });
    await container.service(/e2e-service/, 120_000, 5);
    return Date.now() - container.started;
  } finally {
    await t.done();
  }
}

function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ROOTS);
const lines = [
  `Boot to the first respawned service, ${RUNS} runs each (ms, wall time from starting contain):`,
  '',
  '| root | median | min | max |',
  '|---|---:|---:|---:|',
];
for (const name of chosen) {
  const root = ROOTS[name];
  if (!root) throw new Error(`unknown root ${name}: ${Object.keys(ROOTS).join(', ')}`);
  if (root.cgroup && cannotDelegate()) {
    lines.push(`| ${root.label} | not measured: ${cannotDelegate()} | | |`);
    continue;
  }
  await once(name, root); // warm-up: builds the root if needed, fills caches
  const times = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(name, root));
  const s = stats(times);
  lines.push(`| ${root.label} | ${s.median} | ${s.min} | ${s.max} |`);
}
console.log(lines.join('\n'));
// A full run is what the README shows (scripts/readme.mjs reads it).
if (chosen.length === Object.keys(ROOTS).length) {
  writeFileSync(new URL('./BOOT.md', import.meta.url), `${lines.join('\n')}\n`);
}
