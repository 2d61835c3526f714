// What a boot prints on the console that reads like an error, and what
// each such line means. The suite boots every root, stops it, and counts
// these lines per distribution: a line that matches no entry below fails
// the suite until it is either made to disappear (contain provides what
// the boot looks for, or the root's script configures it) or explained
// here, where the compatibility table's notes (docs/compatibility.md) get
// the meaning from.

/** A line a user would read as something gone wrong. */
const ALARMING = new RegExp([
  'error', 'fail', 'cannot', "can't", 'could ?n.t', 'unable', 'denied', 'not permitted', 'not supported',
  'unsupp', 'warning', 'must be', 'usage:', 'bad option', 'invalid', 'no such', 'not found', 'refused',
  'missing', '^INIT: No ', 'already running', 'code=exited, status=[1-9]',
].join('|'), 'i');

/**
 * Each entry: `key` (short, for the notes), `lines` (patterns of its
 * lines), `then` (patterns of lines that belong to it only right after
 * one of its lines), `meaning` (what it means, and what a user can do).
 */
export const EXPLAINED = [
  {
    key: 'umount -f',
    example: 'umount: /dev/null: must be superuser to unmount.',
    lines: [/^(Unmounting local filesystems\.\.\.)?umount: \/\S+: must be superuser to unmount\.$/],
    then: [/^failed\.$/],
    meaning: 'at shutdown, umountfs and umountnfs.sh unmount with -f (MNT_FORCE), which the kernel grants only '
      + 'to root of the host\'s user namespace, so /dev/console and the device nodes contain binds from the '
      + 'host stay mounted; they go with the container\'s mount namespace a moment later, and nothing stays '
      + 'mounted on the host',
  },
  {
    key: 'remount /',
    example: 'mount: /: permission denied.',
    lines: [/^mount: \/: permission denied\.$/],
    then: [/^\s*dmesg\(1\) may have more information after failed mount system call\.$/],
    meaning: 'at shutdown, umountroot remounts / read-only, which would change the flags of the host\'s own '
      + 'file system: only the host\'s root may; the root stays as it was',
  },
  {
    key: 'hwclock',
    example: 'hwclock: Cannot access the Hardware Clock via any known method.',
    lines: [/^hwclock: Cannot access the Hardware Clock via any known method\.$/],
    then: [/^hwclock: Use the --verbose option to see the details of our search for an access method\.$/],
    meaning: 'at shutdown, hwclock.sh saves the time to the hardware clock, which a container has none of '
      + '(no /dev/rtc0): the host keeps the time',
  },
  {
    key: 'dmesg',
    example: 'dmesg: read kernel buffer failed: Operation not permitted',
    lines: [/^dmesg: read kernel buffer failed(: Operation not permitted)?$/],
    // The boot runs scripts at once: the reason may come on a line of its own.
    then: [/^: Operation not permitted$/],
    meaning: '/etc/init.d/bootlogs copies the kernel\'s log to /var/log/dmesg; that log is the host\'s, which '
      + 'a user namespace may read only where the host allows every user to (sysctl kernel.dmesg_restrict=0): '
      + 'the file stays empty',
  },
  {
    key: 'runit halt',
    example: 'Usage: halt  [-n] [-f] [-w]',
    lines: [/^WARNING: (-\w )+: ignored options$/, /^Usage: halt +\[-n\] \[-f\] \[-w\]\s*$/,
      /^WARNING: -f is a noop when runit is init$/, /^WARNING: writing wtmp with -w is not supported for now$/],
    meaning: 'at stage 3, runit runs the sysvinit shutdown scripts, whose /etc/init.d/halt gives halt '
      + 'sysvinit\'s options; runit\'s halt ignores them and its wtmp record, and runit ends as asked',
  },
  {
    key: 'systemd cgroup',
    example: 'Couldn\'t move remaining userspace processes, ignoring: Input/output error',
    lines: [/^Couldn't move remaining userspace processes, ignoring: Input\/output error$/],
    meaning: 'systemd moves every process of the container\'s root cgroup into init.scope; contain\'s supervisor '
      + 'is in that cgroup too, outside the container\'s PID namespace, and stays where it is',
  },
];

/** The console's lines as a terminal shows them: no escapes, \r or NULs. */
export function consoleLines(transcript) {
  return transcript
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, '')
    .replace(/\x1b[()][0-9A-Za-z]/g, '')
    .replace(/\0/g, '')
    .split(/\r*\n|\r/)
    .map((l) => l.replace(/\s+$/, ''))
    .filter(Boolean);
}

/**
 * The console's error lines, each with the key of the entry that
 * explains it: { counts: { key: n }, unexplained: [line], total }.
 */
export function classify(transcript) {
  const counts = {};
  const unexplained = [];
  let total = 0;
  let last;
  for (const line of consoleLines(transcript)) {
    const entry = EXPLAINED.find((e) => e.lines.some((p) => p.test(line)))
      ?? (last && last.then?.some((p) => p.test(line)) ? last : undefined);
    if (entry) {
      counts[entry.key] = (counts[entry.key] ?? 0) + 1;
      total++;
      last = entry;
    } else if (ALARMING.test(line)) {
      unexplained.push(line);
      total++;
      last = undefined;
    } else {
      last = undefined;
    }
  }
  return { counts, unexplained, total };
}

/** The notes' words for what classify() found. */
export function describe({ counts, unexplained, total }) {
  if (total === 0) return 'console: no error lines';
  if (unexplained.length > 0) {
    return `console: ${total} error lines, ${unexplained.length} not explained in test/e2e/console.mjs (first: "${unexplained[0]}")`;
  }
  const parts = Object.entries(counts).map(([key, n]) => `${key} ×${n}`);
  return `console: ${total} error ${total === 1 ? 'line, explained' : 'lines, each explained'} below (${parts.join(', ')})`;
}

/** The keys a notes cell names, as describe() wrote them. */
export function keysIn(notes) {
  const list = /console: \d+ error lines?, (?:each )?explained below \(([^)]*)\)/.exec(notes)?.[1];
  return list ? list.split(', ').map((part) => part.replace(/ ×\d+$/, '')) : [];
}
