// Bundles each CLI with the core and minimist into one file,
// packages/TOOL/dist/TOOL.js, which bin/TOOL loads: resolving and compiling
// a dozen modules at every start costs about 10 ms, a quarter of what
// the tools add to Node's own start-up. koffi stays outside (it loads a
// native module).
import { buildSync } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

for (const tool of ['pseudo', 'contain', 'inject']) {
  buildSync({
    entryPoints: [join(REPO, `packages/${tool}/dist/main.js`)],
    outfile: join(REPO, `packages/${tool}/dist/${tool}.js`),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['koffi'],
    logLevel: 'warning',
  });
}
