'use strict';
// Starts a tool from its bundle, packages/TOOL/dist/TOOL.js, compiling as
// little as it can: Node 22 and later cache compiled code themselves
// (module.enableCompileCache()); on Node 20 the bundle is compiled with
// the V8 code cache written beside it at build time
// (scripts/compile-cache.mjs), which must name the same bundle and Node.
// Any cache that does not fit is ignored. A tool whose bundle was never
// built (install scripts skipped in a checkout) says what to run.
const { readFileSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

// As scripts/compile-cache.mjs wraps it.
const WRAPPER = ['(function (exports, require, module, __filename, __dirname) { ', '\n});'];

function notBuilt(tool) {
  const repo = resolve(__dirname, '../../..');
  process.stderr.write(`${tool}: not built yet: run npm run build in ${repo}\n`);
  process.exit(125);
}

function cachedData(bundle, source) {
  const key = source.slice(-80).match(/\/\/# cache-key=([0-9a-f]{64})\n$/);
  if (!key) return undefined;
  try {
    const data = readFileSync(`${bundle}.cache`);
    const header = `${key[1]} ${process.version} ${process.arch}\n`;
    return data.toString('latin1', 0, header.length) === header ? data.subarray(header.length) : undefined;
  } catch {
    return undefined;
  }
}

function load(tool) {
  const bundle = join(__dirname, `../../${tool}/dist/${tool}.js`);
  if (Number.parseInt(process.versions.node, 10) >= 22) {
    require('node:module').enableCompileCache?.();
    try {
      return require(bundle);
    } catch (error) {
      if (error.code === 'MODULE_NOT_FOUND' && error.message.includes(bundle)) notBuilt(tool);
      throw error;
    }
  }
  let source;
  try {
    source = readFileSync(bundle, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') notBuilt(tool);
    throw error;
  }
  const { Script } = require('node:vm');
  const script = new Script(WRAPPER[0] + source + WRAPPER[1], { filename: bundle, cachedData: cachedData(bundle, source) });
  const module = { exports: {}, filename: bundle, id: bundle };
  // This file's require() finds what the bundle requires (Node's modules,
  // koffi) as one in dist/ would: both resolve through the same parents.
  script.runInThisContext().call(module.exports, module.exports, require, module, bundle, dirname(bundle));
  return module.exports;
}

module.exports = function launch(tool) {
  load(tool).main(process.argv.slice(2));
};
