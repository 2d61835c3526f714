// Real root file systems for the end-to-end suite: built once as root by
// the scripts in roots/, cached as tarballs outside the repository, and
// handed to the test user as `tar -c | pseudo tar -x` would.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AS_ROOT, BIN, TEST_USER, account, asUser, scratch } from '../helpers.mjs';

export const SCRIPTS = join(dirname(fileURLToPath(import.meta.url)), 'roots');

/** Where built roots are kept between runs; readable by everyone. */
export const CACHE = process.env.E2E_CACHE ?? '/var/cache/rootless-e2e';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The cache key of a root: the text of its script and of the files the
 * script sources, so editing either builds it again.
 */
function key(name) {
  const hash = createHash('sha256');
  const script = readFileSync(join(SCRIPTS, `${name}.sh`), 'utf8');
  hash.update(script);
  for (const [, sourced] of script.matchAll(/^\. "\$\(dirname "\$0"\)\/([\w.-]+)"/gm)) {
    hash.update(readFileSync(join(SCRIPTS, sourced)));
  }
  return hash.digest('hex').slice(0, 12);
}

// Run under a lock, so that two runs (the suite and bench/boot.mjs) never
// build the same root at once. The build happens in a temporary directory
// of the cache, and only a complete tarball gets its final name.
const BUILD = `
set -e
[ -e "$1" ] && exit 0
dir=$(mktemp -d "$CACHE_DIR/$2.build-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/root"
sh "$3" "$dir/root"
# Device nodes stay out: contain gives /dev a tmpfs of its own, and
# mknod is refused in a user namespace, so pseudo's tar would fail.
tar -c -f "$dir/root.tar" --exclude='./dev/*' -C "$dir/root" .
chmod 644 "$dir/root.tar"
mv "$dir/root.tar" "$1"
# Tarballs of this root built from older versions of its script.
for old in "$CACHE_DIR/$2"-????????????.tar; do
  [ "$old" = "$1" ] || rm -f "$old"
done
`;

/**
 * The tarball of root `name` (built by roots/NAME.sh), building it when
 * the cache has none for the script's current text. Building needs root,
 * as debootstrap does.
 */
export function cachedRoot(name) {
  const tarball = join(CACHE, `${name}-${key(name)}.tar`);
  if (existsSync(tarball)) return tarball;
  if (!AS_ROOT) throw new Error(`${tarball} is not built yet: run the e2e suite once as root`);
  mkdirSync(CACHE, { recursive: true });
  chmodSync(CACHE, 0o755);
  const script = join(SCRIPTS, `${name}.sh`);
  const r = spawnSync('flock', [join(CACHE, '.lock'), '/bin/sh', '-c', BUILD, 'sh', tarball, name, script], {
    encoding: 'utf8',
    env: { PATH, LANG: 'C.UTF-8', CACHE_DIR: CACHE },
    maxBuffer: 256 * 1024 * 1024,
    timeout: 20 * 60_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`building the ${name} root failed (${r.status}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  }
  return tarball;
}

/**
 * A copy of root `name` owned by the test user, removed after the test:
 * root's tar stream unpacked by `pseudo tar -x` run as the test user, so
 * the owners inside map onto the user's subordinate ids.
 */
export function rootCopy(t, name, user = TEST_USER) {
  const tarball = cachedRoot(name);
  const root = join(scratch(t, user), 'root');
  mkdirSync(root);
  if (AS_ROOT) chownSync(root, account(user).uid, account(user).gid);
  const stream = openSync(tarball, 'r');
  try {
    const [file, argv] = asUser(user, BIN.pseudo, ['tar', '-x', '-C', root]);
    const r = spawnSync(file, argv, {
      stdio: [stream, 'pipe', 'pipe'],
      env: { PATH, LANG: 'C.UTF-8' },
      encoding: 'utf8',
      timeout: 5 * 60_000,
    });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`pseudo tar -x of the ${name} root failed (${r.status}): ${r.stderr}`);
  } finally {
    closeSync(stream);
  }
  return root;
}
