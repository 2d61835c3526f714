/**
 * The binding to native/libcontainers.so: every native function is
 * declared here, once, and nowhere else. The C side is native/containers.h.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StepError } from './errors';

type Koffi = typeof import('koffi');

export interface SpawnConfig {
  clone_flags: bigint;
  setgroups: number;
  new_session: number;
  console: number;
  /** 1: PID 1 keeps fd 0 (not a terminal) instead of reading the console. */
  keep_stdin?: number;
  deathsig: number;
  root: string | null;
  console_path: string | null;
  bind_sys: number;
  cgroup2: number;
  devpts_options: string | null;
  hostname: string | null;
  init_command: string | null;
  helper_env: (string | null)[] | null;
  file: string;
  search_path: string | null;
  argv: (string | null)[];
  envp: (string | null)[];
  /** A host file to bind at /etc/resolv.conf, or null. */
  resolv_conf?: string | null;
}

export interface JoinConfig {
  user_fd: number;
  ns_fds: number[];
  root_fd: number;
  setgroups: number;
  console: number;
  file: string;
  search_path: string | null;
  argv: (string | null)[];
  envp: (string | null)[];
}

/** The parent's side of a started child (struct ct_child). */
export interface Child {
  pid: number;
  go_fd: number;
  report_fd: number;
}

export interface Native {
  spawn(config: SpawnConfig, child: Child): number;
  join(config: JoinConfig, child: Child): number;
  runHelper(path: string, argv: (string | null)[], output: Int32Array): number;
  /**
   * Starts a helper that dies with `deathsig` when the calling thread
   * (Node's main thread, later the supervisor) ends; fds[i] is its fd i.
   */
  startTied(path: string, argv: (string | null)[], envp: (string | null)[], fds: Int32Array, count: number,
    deathsig: number): number;
  waitpid(pid: number, status: Int32Array, nohang: number): number;
  openpty(fds: Int32Array, name: Buffer, size: number): number;
  isatty(fd: number): number;
  setWinsize(fd: number, rows: number, cols: number): number;
  setConsoleMode(fd: number, echo: number, post: number): number;
  /** 1 if fd is a terminal whose foreground process group is ours. */
  foreground(fd: number): number;
  copyWinsize(from: number, to: number): number;
  flock(fd: number, operation: number): number;
  /** Keeps stop requests pending for the program exec() will run. */
  holdSignals(): number;
  pipe(fds: Int32Array): number;
  listen(path: string): number;
  exec(path: string, argv: (string | null)[], envp: (string | null)[], fds: Int32Array, count: number,
    nullStdio: number): number;
}

/** Size of struct ct_report: int32 error, int32 status, char step[56], char path[256]. */
export const REPORT_SIZE = 320;

export const NATIVE_DIR = resolve(__dirname, '../../../native');
export const LIBRARY = join(NATIVE_DIR, 'build/libcontainers.so');

/** A program native/ builds beside the library, e.g. contain-supervisor. */
export function nativeProgram(name: string): string {
  return join(NATIVE_DIR, 'build', name);
}

let loaded: Native | undefined;

/** Loads the library, building it first when install scripts were skipped. */
export function native(): Native {
  if (!loaded) loaded = bind(loadKoffi(), ensureBuilt());
  return loaded;
}

function loadKoffi(): Koffi {
  try {
    return require('koffi') as Koffi;
  } catch (error) {
    throw new StepError(`cannot load koffi: ${(error as Error).message.split('\n')[0]}`, 0, 'setup',
      `run npm install in ${resolve(NATIVE_DIR, '..')}`);
  }
}

function ensureBuilt(): string {
  if (existsSync(LIBRARY)) return LIBRARY;
  try {
    accessSync(NATIVE_DIR, constants.W_OK);
  } catch {
    throw new StepError(`native library ${LIBRARY} is missing`, 0, 'setup',
      `${NATIVE_DIR} is not writable by you: run make -C ${NATIVE_DIR} as its owner, e.g. with sudo`);
  }
  // Loaded only here: child_process costs milliseconds at every start.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const make = spawnSync('make', ['-s', '-C', NATIVE_DIR], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (make.status === 0 && existsSync(LIBRARY)) return LIBRARY;
  throw new StepError(`native library ${LIBRARY} is missing and could not be built`, 0, 'setup',
    `install make and a C compiler, then run: make -C ${NATIVE_DIR}`);
}

function bind(koffi: Koffi, path: string): Native {
  const lib = koffi.load(path);
  koffi.struct('ct_spawn_config', {
    clone_flags: 'uint64_t',
    setgroups: 'int32_t',
    new_session: 'int32_t',
    console: 'int32_t',
    keep_stdin: 'int32_t',
    deathsig: 'int32_t',
    root: 'const char *',
    console_path: 'const char *',
    bind_sys: 'int32_t',
    cgroup2: 'int32_t',
    devpts_options: 'const char *',
    hostname: 'const char *',
    init_command: 'const char *',
    helper_env: 'const char **',
    file: 'const char *',
    search_path: 'const char *',
    argv: 'const char **',
    envp: 'const char **',
    resolv_conf: 'const char *',
  });
  koffi.struct('ct_join_config', {
    user_fd: 'int32_t',
    ns_fds: koffi.array('int32_t', 7),
    root_fd: 'int32_t',
    setgroups: 'int32_t',
    console: 'int32_t',
    file: 'const char *',
    search_path: 'const char *',
    argv: 'const char **',
    envp: 'const char **',
  });
  koffi.struct('ct_child', { pid: 'int32_t', go_fd: 'int32_t', report_fd: 'int32_t' });
  return {
    spawn: lib.func('int ct_spawn(const ct_spawn_config *config, _Out_ ct_child *child)'),
    join: lib.func('int ct_join(const ct_join_config *config, _Out_ ct_child *child)'),
    runHelper: lib.func('int ct_run_helper(const char *path, const char **argv, _Out_ int32_t *output_fd)'),
    startTied: lib.func('int ct_start_tied(const char *path, const char **argv, const char **envp, const int32_t *fds, int32_t count, int32_t deathsig)'),
    waitpid: lib.func('int ct_waitpid(int32_t pid, _Out_ int32_t *status, int32_t nohang)'),
    openpty: lib.func('int ct_openpty(_Out_ int32_t *fds, _Out_ uint8_t *name, size_t size)'),
    isatty: lib.func('int ct_isatty(int32_t fd)'),
    setWinsize: lib.func('int ct_set_winsize(int32_t fd, int32_t rows, int32_t cols)'),
    setConsoleMode: lib.func('int ct_set_console_mode(int32_t fd, int32_t echo, int32_t post)'),
    foreground: lib.func('int ct_foreground(int32_t fd)'),
    copyWinsize: lib.func('int ct_copy_winsize(int32_t from, int32_t to)'),
    flock: lib.func('int ct_flock(int32_t fd, int32_t operation)'),
    holdSignals: lib.func('int ct_hold_signals(void)'),
    pipe: lib.func('int ct_pipe(_Out_ int32_t *fds)'),
    listen: lib.func('int ct_listen(const char *path)'),
    exec: lib.func('int ct_exec(const char *path, const char **argv, const char **envp, const int32_t *fds, int32_t count, int32_t null_stdio)'),
  };
}
