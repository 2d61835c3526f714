// Builds every output of native/Makefile (`make print-outputs`) for each
// platform the package ships prebuilt, into native/prebuilt/linux-ARCH/:
// run by `npm pack` (prepack), so that installing the package needs no C
// compiler on those machines. The host's own architecture is built with
// cc, the others with Debian's cross compilers (gcc-aarch64-linux-gnu and
// libc6-dev-arm64-cross; gcc-x86-64-linux-gnu and libc6-dev-amd64-cross on
// an arm64 host). Each output is checked to be an ELF file for its machine.
//   node scripts/prebuild.mjs [ARCH...]   (default: x64 arm64)
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = join(REPO, 'native');

/** Per architecture: the cross compiler's prefix, the Debian packages that bring it, ELF e_machine. */
export const ARCHES = {
  x64: { cross: 'x86_64-linux-gnu-', packages: 'gcc-x86-64-linux-gnu libc6-dev-amd64-cross', machine: 62 },
  arm64: { cross: 'aarch64-linux-gnu-', packages: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross', machine: 183 },
};

function fail(message) {
  process.stderr.write(`prebuild: ${message}\n`);
  process.exit(1);
}

function make(args) {
  const r = spawnSync('make', ['-s', '-C', NATIVE, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) fail(`cannot run make: ${r.error.message} (install make)`);
  return r;
}

/** e_machine of an ELF file, or undefined if it is not one. */
export function elfMachine(path) {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try { readSync(fd, header, 0, 20, 0); } finally { closeSync(fd); }
  if (header.toString('latin1', 0, 4) !== '\x7fELF') return undefined;
  return header.readUInt16LE(18);
}

export function outputs() {
  return make(['print-outputs']).stdout.trim().split(/\s+/).filter(Boolean);
}

function build(arch, names) {
  const { cross, packages, machine } = ARCHES[arch];
  const cc = arch === process.arch ? process.env.CC || 'cc' : `${cross}gcc`;
  if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).error) {
    fail(`no C compiler for linux-${arch} (${cc}): apt-get install ${arch === process.arch ? 'gcc libc6-dev' : packages}`);
  }
  const scratch = mkdtempSync(join(tmpdir(), `prebuild-${arch}-`));
  try {
    // Stripped, without debug information: what ships is to run, and it
    // made the package three times its size.
    const r = make([`BUILD=${scratch}`, `CC=${cc}`, 'LDFLAGS=-s']);
    if (r.status !== 0) fail(`make for linux-${arch} with ${cc} failed:\n${r.stderr}`);
    const target = join(NATIVE, 'prebuilt', `linux-${arch}`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    for (const name of names) {
      const built = join(scratch, name);
      if (elfMachine(built) !== machine) fail(`${name} for linux-${arch} is not an ELF file for that machine`);
      mkdirSync(dirname(join(target, name)), { recursive: true });
      copyFileSync(built, join(target, name));
    }
    process.stderr.write(`prebuild: linux-${arch}: ${names.join(' ')}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.platform !== 'linux') fail('prebuilt native outputs are made on Linux only');
  const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ARCHES);
  for (const arch of wanted) if (!ARCHES[arch]) fail(`unknown architecture ${arch} (${Object.keys(ARCHES).join(', ')})`);
  const names = outputs();
  for (const arch of wanted) build(arch, names);
}
