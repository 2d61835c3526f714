// The first line of bin/pseudo, bin/contain and bin/inject starts Node
// through `env -S` with the flags their code cache was written under
// (NODE_FLAGS in scripts/compile-cache.mjs). Where that line cannot start
// Node (busybox's env has no -S; a Node that no longer knows one of the
// flags), the install step puts a plain `env node` in its place and writes
// the code caches again for a Node started so: the tools then run as
// ever, only without the flags.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS, writeCache } from './compile-cache.mjs';

export const TOOLS = ['pseudo', 'contain', 'inject'];
export const PLAIN = '#!/usr/bin/env node';

/** Whether env (the one the first line names, unless given) starts Node with the flags. */
export function startsWithFlags(env = '/usr/bin/env') {
  return spawnSync(env, ['-S', `node ${NODE_FLAGS.join(' ')} -e 0`], { stdio: 'ignore' }).status === 0;
}

/** Puts the plain start line in each tool where its line cannot start Node; true if it did. */
export function fitStartLine(repo, env) {
  if (startsWithFlags(env)) return false;
  for (const tool of TOOLS) {
    const bin = join(repo, `packages/${tool}/bin/${tool}`);
    const text = readFileSync(bin, 'utf8');
    const temporary = `${bin}.${process.pid}`;
    writeFileSync(temporary, `${PLAIN}${text.slice(text.indexOf('\n'))}`, { mode: statSync(bin).mode });
    renameSync(temporary, bin);
    const bundle = join(repo, `packages/${tool}/dist/${tool}.js`);
    if (existsSync(bundle)) writeCache(bundle, []);
  }
  return true;
}
