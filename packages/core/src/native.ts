/**
 * The binding to native/libcontainers.so: every native function is
 * declared here, once, and nowhere else. The C side is native/containers.h.
 */
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StepError } from './errors';

type Koffi = typeof import('koffi');

/** A mount asked for (struct ct_mount): see native/containers.h. */
export interface MountConfig {
  kind: number;
  flags: number;
  attrs: number;
  source: string | null;
  target: string;
  options: (string | null)[] | null;
}

/** enum ct_root_mode, enum ct_mount_kind and the CT_MOUNT_* flags. */
export const ROOT_DIR = 0, ROOT_EPHEMERAL = 1, ROOT_READ_ONLY = 2;
export const MOUNT_BIND = 1, MOUNT_RO_BIND = 2, MOUNT_TMPFS = 3;
export const MOUNT_DIR = 1, MOUNT_ON_LINK = 2;

export interface SpawnConfig {
  clone_flags: bigint;
  setgroups: number;
  new_session: number;
  console: number;
  /** 1: PID 1 keeps fd 0 (not a terminal) instead of reading the console. */
  keep_stdin?: number;
  deathsig: number;
  root: string | null;
  root_mode?: number;
  mount_count?: number;
  mounts?: MountConfig[] | null;
  console_path: string | null;
  bind_sys: number;
  cgroup2: number;
  devpts_options: string | null;
  hostname: string | null;
  init_command: string | null;
  /** --init: the contain-init program, PID 1 with the command as PID 2. */
  init_program?: string | null;
  /** 0: the console is PID 1's stdio but not its controlling terminal. */
  console_ctty?: number;
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
  /** Which of fds 0-2 the pty becomes, bit N for fd N (default all). */
  pty_stdio?: number;
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
  /**
   * Lets spawn()'s child go on and reads its reports to their end (its
   * exec or end) into records: the bytes read, or -errno.
   */
  spawnGo(goFd: number, reportFd: number, records: Uint8Array, size: number): number;
  /** Frees what spawn() lent its child: once it has exec'd (end of file on its reports) or is reaped. */
  spawnRelease(): void;
  join(config: JoinConfig, child: Child): number;
  runHelper(path: string, argv: (string | null)[], output: Int32Array): number;
  /** flags: WAIT_NOHANG | WAIT_STOPPED. */
  waitpid(pid: number, status: Int32Array, flags: number): number;
  /** Holds signals[i] from now on, for forwardWait() to pass on as send[i] (0: not at all). */
  forwardStart(signals: Int32Array, send: Int32Array, count: number): number;
  /** Waits, blocking, for pid to end or stop, passing held signals on: pid with its status, or -errno. */
  forwardWait(pid: number, status: Int32Array): number;
  /** Drops what forwardStart() held and is still pending, and gives the signals back to Node. */
  forwardStop(): void;
  /**
   * Starts a helper that dies with `deathsig` when the calling thread
   * (Node's main thread, later the supervisor) ends; fds[i] is its fd i.
   */
  startTied(path: string, argv: (string | null)[], envp: (string | null)[], fds: Int32Array, count: number,
    deathsig: number, flags: number): number;
  openpty(fds: Int32Array, name: Buffer, size: number): number;
  /** Ends the process at once: exit code, or death by signal if > 0. */
  exitLike(code: number, signal: number): void;
  isatty(fd: number): number;
  setWinsize(fd: number, rows: number, cols: number): number;
  setConsoleMode(fd: number, echo: number, post: number): number;
  /** 1 if fd is a terminal whose foreground process group is ours. */
  foreground(fd: number): number;
  copyWinsize(from: number, to: number): number;
  flock(fd: number, operation: number): number;
  /** Counts stop requests (SIGTERM, SIGHUP, and SIGINT if interrupt is 1) from now on. */
  countRequests(interrupt: number): number;
  /** Their default action back, and the count at 0. */
  uncountRequests(): void;
  /** Keeps stop requests pending for the program exec() will run: the count so far, or -errno. */
  holdSignals(): number;
  pipe(fds: Int32Array): number;
  listen(path: string): number;
  exec(path: string, argv: (string | null)[], envp: (string | null)[], fds: Int32Array, count: number,
    nullStdio: number): number;
  ttyRaw(fd: number): number;
  ttyRestore(): number;
  stopLike(pid: number, signal: number, tty: number, graceMs: number): number;
  openInRoot(rootFd: number, path: string): number;
  socketpair(fds: Int32Array): number;
  receiveFds(socket: number, fds: Int32Array, max: number): number;
  /** "FD\0TARGET\0" for each fd of pid (0: ours); bytes written, or -errno. */
  fdLinks(pid: number, out: Buffer, size: number): number;
  /** File system calls (files.ts uses them), each 0 or a result, or -errno. */
  stat(path: string, nofollow: number, out: Float64Array): number;
  fstat(fd: number, out: Float64Array): number;
  /** O_CLOEXEC is added to flags. */
  open(path: string, flags: number, mode: number): number;
  close(fd: number): number;
  read(fd: number, buffer: Uint8Array, size: number): number;
  /** Writes all of each text, each followed by its NUL if nul is 1. */
  write(fd: number, texts: (string | null)[], nul: number): number;
  mkdir(path: string, mode: number): number;
  rename(from: string, to: string): number;
  access(path: string, mode: number): number;
  /** null with error[0] = -errno on failure. */
  readlink(path: string, error: Int32Array): string | null;
  realpath(path: string, error: Int32Array): string | null;
}

/** The fields of ct_stat()'s out (CT_STATUS_FIELDS in containers.h). */
export const STATUS_FIELDS = 7;

/** ct_start_tied() flags (containers.h): fd 0 becomes its controlling terminal. */
export const TIED_CTTY = 1;

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
/** CT_STDIO_ALL: fds 0, 1 and 2, bit N for fd N (pty_stdio). */
export const STDIO_ALL = 7;

export const NATIVE_DIR = resolve(__dirname, '../../../native');
/** What `make -C native` builds (every file of the Makefile's OUTPUTS). */
export const BUILD_DIR = join(NATIVE_DIR, 'build');
export const LIBRARY = join(BUILD_DIR, 'libcontainers.so');
/** The same outputs built for this platform when the package was packed (scripts/prebuild.mjs). */
export const PREBUILT_DIR = join(NATIVE_DIR, 'prebuilt', `${process.platform}-${process.arch}`);

/** What ct_abi() returns for the headers the bundle was made with
 * (scripts/bundle.mjs defines it; tsc's output, for tests, has none). */
declare const NATIVE_ABI: string | undefined;

let loaded: Native | undefined;
let outputs: string | undefined;

/**
 * Loads the library: the one built here (native/build), else the one
 * prebuilt for this platform, else one built now (install scripts skipped).
 */
export function native(): Native {
  if (!loaded) {
    const koffi = loadKoffi();
    try {
      loaded = bind(koffi, join(outputDirectory(), 'libcontainers.so'));
    } catch (error) {
      // A prebuilt library this machine cannot load (an older C library,
      // say), or one left from other sources: build one from source, as
      // if none had shipped.
      if (outputs !== PREBUILT_DIR) throw error;
      outputs = ensureBuilt();
      loaded = bind(koffi, LIBRARY);
    }
  }
  return loaded;
}

/** The library if it was loaded already, else undefined: nothing is built or loaded for it. */
export function nativeIfLoaded(): Native | undefined {
  return loaded;
}

/**
 * The path of one of the Makefile's OUTPUTS (such as a helper program),
 * from the same directory as the library: native/build when it was built
 * here, else the prebuilt one for this platform.
 */
export function nativeOutput(name: string): string {
  return join(outputDirectory(), name);
}

function outputDirectory(): string {
  if (outputs) return outputs;
  if (existsSync(LIBRARY)) outputs = BUILD_DIR;
  else if (existsSync(join(PREBUILT_DIR, 'libcontainers.so'))) outputs = PREBUILT_DIR;
  else outputs = ensureBuilt();
  return outputs;
}

/**
 * koffi's own entry point costs about 10 ms at every start (it reads
 * Node's ELF header to tell glibc from musl and compiles 20 KB of
 * JavaScript that only wraps deprecated calls); its platform package's
 * prebuilt module, where npm puts it beside koffi, is the same binding and
 * loads in under 1 ms. Where that module is elsewhere or does not load
 * (musl: it needs glibc's loader; nested installs; other platforms),
 * require('koffi') finds the right one.
 */
function loadKoffi(): Koffi {
  const platform = `${process.platform}-${process.arch}`;
  const module = { exports: {} as Koffi };
  try {
    process.dlopen(module, join(NATIVE_DIR, '../node_modules/@koromix', `koffi-${platform}`,
      platform.replace('-', '_'), 'koffi.node'));
    if (typeof module.exports.load === 'function' && typeof module.exports.struct === 'function') return module.exports;
  } catch {
    // the ordinary way below
  }
  try {
    return require('koffi') as Koffi;
  } catch (error) {
    throw new StepError(`cannot load koffi: ${(error as Error).message.split('\n')[0]}`, 0, 'setup',
      `run npm install in ${resolve(NATIVE_DIR, '..')}`);
  }
}

function ensureBuilt(): string {
  if (existsSync(LIBRARY)) return BUILD_DIR;
  try {
    accessSync(NATIVE_DIR, constants.W_OK);
  } catch {
    throw new StepError(`native library ${LIBRARY} is missing`, 0, 'setup',
      `${NATIVE_DIR} is not writable by you: run make -C ${NATIVE_DIR} as its owner, e.g. with sudo`);
  }
  if (buildOnce()) return BUILD_DIR;
  throw new StepError(`native library ${LIBRARY} is missing and could not be built`, 0, 'setup',
    `install make and a C compiler, then run: make -C ${NATIVE_DIR}`);
}

/** How long a build may hold its lock before it counts as killed. */
const BUILD_STALE_MS = 600_000;

/**
 * Runs make once, also when several first runs start together: two makes
 * in one directory would write the same objects. The first to make the
 * lock directory builds; the others wait until it is gone.
 */
function buildOnce(): boolean {
  const lock = `${BUILD_DIR}.lock`;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > BUILD_STALE_MS) rmSync(lock, { recursive: true, force: true });
    } catch {
      // Gone meanwhile: built, or failed.
    }
    Atomics.wait(pause, 0, 0, 50);
    if (!existsSync(lock) && existsSync(LIBRARY)) return true;
  }
  try {
    if (existsSync(LIBRARY)) return true;
    // Loaded only here: child_process costs milliseconds at every start.
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const make = spawnSync('make', ['-s', '-C', NATIVE_DIR], { stdio: ['ignore', 'ignore', 'pipe'] });
    return make.status === 0 && existsSync(LIBRARY);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The library's ct_abi(), or undefined if it is older than that function. */
function abiOf(lib: ReturnType<Koffi['load']>): string | undefined {
  try {
    return lib.func('const char *ct_abi(void)')();
  } catch {
    return undefined;
  }
}

/** f, run at its first call only. */
function once(f: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    f();
  };
}

/**
 * koffi parses each prototype and struct when it is declared, which cost
 * every start about half a millisecond for all of them: each function is
 * declared when it is first called, and the structs with the first
 * function that takes one, so a run pays only for what it uses.
 */
function bind(koffi: Koffi, path: string): Native {
  const lib = koffi.load(path);
  if (typeof NATIVE_ABI === 'string' && abiOf(lib) !== NATIVE_ABI) {
    lib.unload();
    throw new StepError(`${path} was built from other sources than this tool`, 0, 'setup',
      `run npm run build in ${resolve(NATIVE_DIR, '..')}, or install again`);
  }
  // Each struct with the first function that takes it: contain and
  // pseudo spawn, inject joins, and none needs the other's.
  const child = once(() => koffi.struct('ct_child', { pid: 'int32_t', go_fd: 'int32_t', report_fd: 'int32_t' }));
  const spawnStructs = once(() => {
    child();
    const mount = koffi.struct('ct_mount', {
      kind: 'int32_t',
      flags: 'int32_t',
      attrs: 'uint32_t',
      source: 'const char *',
      target: 'const char *',
      options: 'const char **',
    });
    koffi.struct('ct_spawn_config', {
      clone_flags: 'uint64_t',
      setgroups: 'int32_t',
      new_session: 'int32_t',
      console: 'int32_t',
      keep_stdin: 'int32_t',
      deathsig: 'int32_t',
      root: 'const char *',
      root_mode: 'int32_t',
      mount_count: 'int32_t',
      mounts: koffi.pointer(mount),
      console_path: 'const char *',
      bind_sys: 'int32_t',
      cgroup2: 'int32_t',
      devpts_options: 'const char *',
      hostname: 'const char *',
      init_command: 'const char *',
      init_program: 'const char *',
      console_ctty: 'int32_t',
      helper_env: 'const char **',
      file: 'const char *',
      search_path: 'const char *',
      argv: 'const char **',
      envp: 'const char **',
      keep_fds: 'const int32_t *',
    });
  });
  const joinStructs = once(() => {
    child();
    koffi.struct('ct_join_config', {
      user_fd: 'int32_t',
      ns_fds: koffi.array('int32_t', 7),
      root_fd: 'int32_t',
      setgroups: 'int32_t',
      pty_socket: 'int32_t',
      pty_stdio: 'int32_t',
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
  });
  // koffi's own type for a declared function is untyped (any).
  const fn = (prototype: string, structs?: () => void): ((...args: any[]) => any) => {
    let declared: ReturnType<typeof lib.func> | undefined;
    return (...args) => {
      if (!declared) {
        structs?.();
        declared = lib.func(prototype);
      }
      return declared(...args);
    };
  };
  const spawn = fn('int ct_spawn(const ct_spawn_config *config, _Out_ ct_child *child)', spawnStructs);
  const join = fn('int ct_join(const ct_join_config *config, _Out_ ct_child *child)', joinStructs);
  return {
    spawn: (config, child) => spawn({ ...config,
      keep_fds: config.keep_fds ? Int32Array.from([...config.keep_fds, -1]) : null }, child),
    spawnGo: fn('int ct_spawn_go(int32_t go_fd, int32_t report_fd, _Out_ uint8_t *records, int32_t size)'),
    spawnRelease: fn('void ct_spawn_release(void)'),
    join: (config, child) => join({ ...config, pty_socket: config.pty_socket ?? -1, pty_stdio: config.pty_stdio ?? STDIO_ALL,
      ngroups: config.groups.length, groups: Uint32Array.from(config.groups) }, child),
    runHelper: fn('int ct_run_helper(const char *path, const char **argv, _Out_ int32_t *output_fd)'),
    waitpid: fn('int ct_waitpid(int32_t pid, _Out_ int32_t *status, int32_t flags)'),
    forwardStart: fn('int ct_forward_start(const int32_t *signals, const int32_t *send, int32_t count)'),
    forwardWait: fn('int ct_forward_wait(int32_t pid, _Out_ int32_t *status)'),
    forwardStop: fn('void ct_forward_stop(void)'),
    startTied: fn('int ct_start_tied(const char *path, const char **argv, const char **envp, const int32_t *fds, int32_t count, int32_t deathsig, int32_t flags)'),
    openpty: fn('int ct_openpty(_Out_ int32_t *fds, _Out_ uint8_t *name, size_t size)'),
    exitLike: fn('void ct_exit_like(int32_t code, int32_t signal)'),
    isatty: fn('int ct_isatty(int32_t fd)'),
    setWinsize: fn('int ct_set_winsize(int32_t fd, int32_t rows, int32_t cols)'),
    setConsoleMode: fn('int ct_set_console_mode(int32_t fd, int32_t echo, int32_t post)'),
    foreground: fn('int ct_foreground(int32_t fd)'),
    copyWinsize: fn('int ct_copy_winsize(int32_t from, int32_t to)'),
    flock: fn('int ct_flock(int32_t fd, int32_t operation)'),
    countRequests: fn('int ct_count_requests(int32_t interrupt)'),
    uncountRequests: fn('void ct_uncount_requests(void)'),
    holdSignals: fn('int ct_hold_signals(void)'),
    pipe: fn('int ct_pipe(_Out_ int32_t *fds)'),
    listen: fn('int ct_listen(const char *path)'),
    exec: fn('int ct_exec(const char *path, const char **argv, const char **envp, const int32_t *fds, int32_t count, int32_t null_stdio)'),
    ttyRaw: fn('int ct_tty_raw(int32_t fd)'),
    ttyRestore: fn('int ct_tty_restore(void)'),
    stopLike: fn('int ct_stop_like(int32_t pid, int32_t signal, int32_t tty, int32_t grace_ms)'),
    openInRoot: fn('int ct_open_in_root(int32_t root_fd, const char *path)'),
    socketpair: fn('int ct_socketpair(_Out_ int32_t *fds)'),
    receiveFds: fn('int ct_receive_fds(int32_t socket, _Out_ int32_t *fds, int32_t max)'),
    fdLinks: fn('int ct_fd_links(int32_t pid, _Out_ uint8_t *out, size_t size)'),
    stat: fn('int ct_stat(const char *path, int32_t nofollow, _Out_ double *out)'),
    fstat: fn('int ct_fstat(int32_t fd, _Out_ double *out)'),
    open: fn('int ct_open(const char *path, int32_t flags, int32_t mode)'),
    close: fn('int ct_close(int32_t fd)'),
    read: fn('int ct_read(int32_t fd, _Out_ uint8_t *buffer, int32_t size)'),
    write: fn('int ct_write(int32_t fd, const char **texts, int32_t nul)'),
    mkdir: fn('int ct_mkdir(const char *path, int32_t mode)'),
    rename: fn('int ct_rename(const char *from, const char *to)'),
    access: fn('int ct_access(const char *path, int32_t mode)'),
    readlink: fn('const char *ct_readlink(const char *path, _Out_ int32_t *error)'),
    realpath: fn('const char *ct_realpath(const char *path, _Out_ int32_t *error)'),
  };
}
