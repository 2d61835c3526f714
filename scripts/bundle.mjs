// Bundles each CLI with the core and minimist into one file,
// packages/TOOL/dist/TOOL.js, which bin/TOOL loads: resolving and compiling
// a dozen modules at every start costs about 10 ms, a quarter of what
// the tools add to Node's own start-up. koffi stays outside (it loads a
// native module). Each bundle gets a cache key and a V8 code cache for
// the Node that built it (scripts/compile-cache.mjs), for Node 20, which
// has no compile cache of its own. Bundles are replaced whole (written
// aside, then renamed), so a tool started meanwhile reads the old or the
// new one, never half of one.
import { buildSync } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addKey, wrap, writeCache } from './compile-cache.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The fingerprint of the headers the bindings are written against, as
// native/Makefile builds it into the library (ct_abi()): native.ts
// checks the two agree before it calls anything.
const NATIVE_ABI = createHash('sha256')
  .update(Buffer.concat(['containers.h', 'supervisor.h'].map((h) => readFileSync(join(REPO, 'native', h)))))
  .digest('hex').slice(0, 16);

for (const tool of ['pseudo', 'contain', 'inject']) {
  const bundle = join(REPO, `packages/${tool}/dist/${tool}.js`);
  const result = buildSync({
    // From the TypeScript sources (tsc -b has checked them), as ES
    // modules: esbuild then leaves out what a tool never uses of the
    // core, and each start has less to load (pseudo's bundle is a third
    // smaller than one made of tsc's CommonJS output).
    entryPoints: [join(REPO, `packages/${tool}/src/main.ts`)],
    alias: { '@rootless-containers/core': join(REPO, 'packages/core/src/index.ts') },
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['koffi'],
    define: { NATIVE_ABI: JSON.stringify(NATIVE_ABI) },
    // Other characters escaped: V8 then keeps the source one byte a
    // character, and bin/TOOL's UTF-8 read of it is a check, not a conversion.
    charset: 'ascii',
    logLevel: 'warning',
    write: false,
  });
  const text = result.outputFiles[0].text;
  const temporary = `${bundle}.${process.pid}`;
  writeFileSync(temporary, addKey(wrap(text)));
  renameSync(temporary, bundle);
  writeCache(bundle);
}
