// A cgroup2 subtree delegated to the test user, as systemd gives every
// user session (user@.service has Delegate=yes): systemd as a container's
// PID 1 needs a cgroup it may write to. Made by the root test runner.
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, TEST_USER, account, until } from '../helpers.mjs';

/** Where the host mounts its cgroup2 hierarchy, if it has one. */
export function cgroup2Mount() {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ');
    if (after?.startsWith('cgroup2 ')) return before.split(' ')[4];
  }
  return undefined;
}

/** Why the suite cannot delegate a cgroup here, or undefined if it can. */
export function cannotDelegate() {
  if (!AS_ROOT) return 'delegating a cgroup needs the suite to run as root';
  if (!cgroup2Mount()) return 'the host has no cgroup2 hierarchy';
  return undefined;
}

// What a delegate may write: the files that move processes and enable
// controllers (see "Delegation Containment" in the kernel's cgroup-v2.rst).
const DELEGATED_FILES = ['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control'];

function removeTree(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeTree(join(dir, entry.name));
  }
  rmdirSync(dir);
}

/** Whether no process is left in a cgroup and its descendants. */
function unpopulated(dir) {
  return /^populated 0$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'));
}

/**
 * A new cgroup owned by the test user, removed after the test once the
 * processes in it are gone. Returns its path.
 */
export function delegatedCgroup(t, user = TEST_USER) {
  const dir = join(cgroup2Mount(), `rootless-e2e-${process.pid}-${Date.now()}`);
  mkdirSync(dir);
  const who = account(user);
  chownSync(dir, who.uid, who.gid);
  for (const file of DELEGATED_FILES) chownSync(join(dir, file), who.uid, who.gid);
  t.after(async () => {
    if (!existsSync(dir)) return;
    // Killed processes leave their cgroup a moment after they are gone;
    // anything still there outlived its container: kill it (the tests
    // report such leftovers themselves).
    if (!await until(() => unpopulated(dir), 10_000)) {
      writeFileSync(join(dir, 'cgroup.kill'), '1');
      await until(() => unpopulated(dir), 10_000);
    }
    removeTree(dir);
  });
  return dir;
}
