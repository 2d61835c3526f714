// The first line of bin/pseudo, bin/contain and bin/inject starts Node
// through `env -S` with the flags their code cache was written under
// (NODE_FLAGS in scripts/compile-cache.mjs). An env without -S, such as
// busybox's, would fail every start: there the install step puts a plain
// `env node` in its place, which runs the tools as ever, only without the
// flags, so that V8 compiles the bundle instead of taking its cache.
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOOLS = ['pseudo', 'contain', 'inject'];
export const PLAIN = '#!/usr/bin/env node';

/** Whether env (the one the first line names, unless given) takes -S. */
export function splits(env = '/usr/bin/env') {
  return spawnSync(env, ['-S', 'true'], { stdio: 'ignore' }).status === 0;
}

/** Puts the plain start line in each tool where env has no -S; true if it did. */
export function fitStartLine(repo, env) {
  if (splits(env)) return false;
  for (const tool of TOOLS) {
    const bin = join(repo, `packages/${tool}/bin/${tool}`);
    const text = readFileSync(bin, 'utf8');
    const temporary = `${bin}.${process.pid}`;
    writeFileSync(temporary, `${PLAIN}${text.slice(text.indexOf('\n'))}`, { mode: statSync(bin).mode });
    renameSync(temporary, bin);
  }
  return true;
}
