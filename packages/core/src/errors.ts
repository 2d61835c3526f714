import { getSystemErrorMap } from 'node:util';

/** Why a step failed, so that each CLI's main can pick its exit status. */
export type Reason =
  | 'usage'          // bad options or arguments
  | 'not-found'      // the command does not exist
  | 'not-executable' // the command exists but cannot be run
  | 'helper'         // a user-supplied helper (-i, -o) exited non-zero
  | 'setup';         // anything else that stopped the tool

/**
 * The one error type of the project: the step that failed, the errno it
 * failed with (0 when no system call was involved), and a hint for the user.
 */
export class StepError extends Error {
  constructor(
    readonly step: string,
    readonly errno: number = 0,
    readonly reason: Reason = 'setup',
    readonly hint?: string,
    /** Exit status a helper ended with, for reason 'helper'. */
    readonly status?: number,
  ) {
    super(describe(step, errno, hint));
    this.name = 'StepError';
  }
}

/** Usage errors have no errno: the message is the whole story. */
export function usageError(message: string, seeHelp = false): StepError {
  return new StepError(message, 0, 'usage', seeHelp ? 'see --help' : undefined);
}

/** What libuv, and so Node's error map, has no message for. */
const UNMAPPED: Record<number, string> = {
  8: 'exec format error',
  10: 'no child processes',
  35: 'resource deadlock avoided',
  37: 'no locks available',
  116: 'stale file handle',
  122: 'disk quota exceeded',
};

export function errnoMessage(errno: number): string {
  const code = Math.abs(errno);
  return getSystemErrorMap().get(-code)?.[1] ?? UNMAPPED[code] ?? `error ${code}`;
}

/** The number of the errno called `name` (ENOBUFS, say) here, from Node's map of them. */
export function errnoNumber(name: string): number | undefined {
  for (const [code, [known]] of getSystemErrorMap()) if (known === name) return -code;
  return undefined;
}

function describe(step: string, errno: number, hint?: string): string {
  const why = errno ? `${step}: ${errnoMessage(errno)}` : step;
  return hint ? `${why} (${hint})` : why;
}

/** Converts a Node system error (fs, child_process) into a StepError. */
export function fromSystemError(step: string, error: unknown, hint?: string): StepError {
  const errno = (error as NodeJS.ErrnoException)?.errno;
  if (typeof errno === 'number') return new StepError(step, Math.abs(errno), 'setup', hint);
  return new StepError(`${step}: ${(error as Error)?.message ?? String(error)}`, 0, 'setup', hint);
}
