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
  /** fds above 2 the command gets too (pseudo's caller's). */
  keep_fds?: number[];
}

export interface JoinConfig {
  user_fd: number;
  ns_fds: number[];
  root_fd: number;
  setgroups: number;
  /** Set by joinContainer(): where the child sends the container's pty. */
  pty_socket?: number;
  uid: number;
  gid: number;
  /** Supplementary groups, set when setgroups is allowed. */
  groups: number[];
  dir: string | null;
  /** 1: / when dir cannot be entered. */
  dir_fallback: number;
  deathsig: number;
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
  /** flags: WAIT_NOHANG | WAIT_STOPPED. */
  waitpid(pid: number, status: Int32Array, flags: number): number;
  openpty(fds: Int32Array, name: Buffer, size: number): number;
  isatty(fd: number): number;
  setWinsize(fd: number, rows: number, cols: number): number;
  setConsoleMode(fd: number, echo: number, post: number): number;
  ttyRaw(fd: number): number;
  ttyRestore(): number;
  stopLike(pid: number, signal: number, tty: number, graceMs: number): number;
  openInRoot(rootFd: number, path: string): number;
  socketpair(fds: Int32Array): number;
  receiveFds(socket: number, fds: Int32Array, max: number): number;
}

/** ct_waitpid() flags (containers.h). */
export const WAIT_NOHANG = 1;
export const WAIT_STOPPED = 2;

/** The status of an "exec" report (CT_EXEC_* in containers.h). */
export const EXEC_ERROR = 0;
export const EXEC_ELF_INTERPRETER = 1;
export const EXEC_SCRIPT_INTERPRETER = 2;
export const EXEC_DANGLING_LINK = 3;
export const EXEC_DIRECTORY = 4;

/** Size of struct ct_report: int32 error, int32 status, char step[56], char path[256]. */
export const REPORT_SIZE = 320;

export const NATIVE_DIR = resolve(__dirname, '../../../native');
export const LIBRARY = join(NATIVE_DIR, 'build/libcontainers.so');

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
    keep_fds: 'const int32_t *',
  });
  koffi.struct('ct_join_config', {
    user_fd: 'int32_t',
    ns_fds: koffi.array('int32_t', 7),
    root_fd: 'int32_t',
    setgroups: 'int32_t',
    pty_socket: 'int32_t',
    uid: 'uint32_t',
    gid: 'uint32_t',
    ngroups: 'int32_t',
    groups: 'const uint32_t *',
    dir: 'const char *',
    dir_fallback: 'int32_t',
    deathsig: 'int32_t',
    file: 'const char *',
    search_path: 'const char *',
    argv: 'const char **',
    envp: 'const char **',
  });
  koffi.struct('ct_child', { pid: 'int32_t', go_fd: 'int32_t', report_fd: 'int32_t' });
  const spawn = lib.func('int ct_spawn(const ct_spawn_config *config, _Out_ ct_child *child)');
  const join = lib.func('int ct_join(const ct_join_config *config, _Out_ ct_child *child)');
  return {
    spawn: (config, child) => spawn({ ...config,
      keep_fds: config.keep_fds ? Int32Array.from([...config.keep_fds, -1]) : null }, child),
    join: (config, child) => join({ ...config, pty_socket: config.pty_socket ?? -1, ngroups: config.groups.length,
      groups: Uint32Array.from(config.groups) }, child),
    runHelper: lib.func('int ct_run_helper(const char *path, const char **argv, _Out_ int32_t *output_fd)'),
    waitpid: lib.func('int ct_waitpid(int32_t pid, _Out_ int32_t *status, int32_t flags)'),
    openpty: lib.func('int ct_openpty(_Out_ int32_t *fds, _Out_ uint8_t *name, size_t size)'),
    isatty: lib.func('int ct_isatty(int32_t fd)'),
    setWinsize: lib.func('int ct_set_winsize(int32_t fd, int32_t rows, int32_t cols)'),
    setConsoleMode: lib.func('int ct_set_console_mode(int32_t fd, int32_t echo, int32_t post)'),
    ttyRaw: lib.func('int ct_tty_raw(int32_t fd)'),
    ttyRestore: lib.func('int ct_tty_restore(void)'),
    stopLike: lib.func('int ct_stop_like(int32_t pid, int32_t signal, int32_t tty, int32_t grace_ms)'),
    openInRoot: lib.func('int ct_open_in_root(int32_t root_fd, const char *path)'),
    socketpair: lib.func('int ct_socketpair(_Out_ int32_t *fds)'),
    receiveFds: lib.func('int ct_receive_fds(int32_t socket, _Out_ int32_t *fds, int32_t max)'),
  };
}
