/**
 * The file system calls of a start, made through libcontainers rather
 * than node:fs. Under the V8 flags the tools start Node with (bin/TOOL),
 * V8 refuses Node's code cache for its own modules, so every node:fs
 * function a run calls is compiled from source at its first call, with
 * the argument checks and Stats classes under it: the fifteen of a
 * contain start cost about 0.6 ms of CPU in all, where these cost a
 * tenth of that (their JavaScript is in the tools' own code cache, and
 * each is one call into C). Only reading a whole file stays with
 * node:fs: readFileSync(path, 'utf8') is C++ in Node, and Node's loader
 * has compiled it already.
 *
 * Failures are thrown as node:fs throws them, with code, errno (negative),
 * syscall and path, so that callers treat both alike.
 */
import { constants } from 'node:fs';
import { getSystemErrorMap } from 'node:util';
import { STATUS_FIELDS, native } from './native';

/** What stat(2) says of a file, as much of it as the tools look at. */
export class FileStatus {
  constructor(
    readonly mode: number,
    readonly uid: number,
    readonly gid: number,
    readonly dev: number,
    readonly ino: number,
    readonly size: number,
    readonly mtimeMs: number,
  ) {}

  isDirectory(): boolean {
    return (this.mode & 0o170000) === 0o040000;
  }

  isFile(): boolean {
    return (this.mode & 0o170000) === 0o100000;
  }

  isSymbolicLink(): boolean {
    return (this.mode & 0o170000) === 0o120000;
  }
}

let names: ReturnType<typeof getSystemErrorMap> | undefined;

/** The error node:fs would throw for -errno `result` of `syscall`. */
function systemError(result: number, syscall: string, path?: string): NodeJS.ErrnoException {
  // Made once: some failures are expected at every start (a root without
  // /dev yet, say).
  names ??= getSystemErrorMap();
  const [code, description] = names.get(result) ?? [`E${-result}`, `error ${-result}`];
  const error: NodeJS.ErrnoException = new Error(
    `${code}: ${description}, ${syscall}${path === undefined ? '' : ` '${path}'`}`);
  error.errno = result;
  error.code = code;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  return error;
}

function check(result: number, syscall: string, path?: string): number {
  if (result < 0) throw systemError(result, syscall, path);
  return result;
}

const status = new Float64Array(STATUS_FIELDS);

function statusOf(result: number, syscall: string, path?: string): FileStatus {
  check(result, syscall, path);
  const [mode, uid, gid, dev, ino, size, mtimeMs] = status;
  return new FileStatus(mode, uid, gid, dev, ino, size, mtimeMs);
}

export function stat(path: string): FileStatus {
  return statusOf(native().stat(path, 0, status), 'stat', path);
}

/** A link itself, not what it points to. */
export function lstat(path: string): FileStatus {
  return statusOf(native().stat(path, 1, status), 'lstat', path);
}

export function fstat(fd: number): FileStatus {
  return statusOf(native().fstat(fd, status), 'fstat');
}

/** An fd, always close-on-exec; flags from fs.constants. */
export function open(path: string, flags: number, mode = 0o666): number {
  return check(native().open(path, flags, mode), 'open', path);
}

export function close(fd: number): void {
  check(native().close(fd), 'close');
}

/** Reads once into buffer: the bytes read, 0 at the end. */
export function read(fd: number, buffer: Uint8Array): number {
  return check(native().read(fd, buffer, buffer.length), 'read');
}

/** Writes all of text, which holds no NUL. */
export function write(fd: number, text: string): void {
  check(native().write(fd, [text, null], 0), 'write');
}

/** Writes each of texts with a NUL after it. */
export function writeStrings(fd: number, texts: string[]): void {
  check(native().write(fd, [...texts, null], 1), 'write');
}

/** Whether the caller may use path as mode (fs.constants.X_OK, say) asks: a look that may fail, so it never throws. */
export function canAccess(path: string, mode: number): boolean {
  return native().access(path, mode) === 0;
}

/** Writes a file whole, created with mode (less the umask) if new. */
export function writeFile(path: string, text: string, mode = 0o666): void {
  const fd = open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
  try {
    write(fd, text);
  } finally {
    close(fd);
  }
}

export function mkdir(path: string, mode = 0o777): void {
  check(native().mkdir(path, mode), 'mkdir', path);
}

export function rename(from: string, to: string): void {
  check(native().rename(from, to), 'rename', from);
}

const failure = new Int32Array(1);

export function readlink(path: string): string {
  const target = native().readlink(path, failure);
  if (target === null) throw systemError(failure[0], 'readlink', path);
  return target;
}

/** realpath(3): path with every link, . and .. resolved. */
export function realpath(path: string): string {
  const real = native().realpath(path, failure);
  if (real === null) throw systemError(failure[0], 'realpath', path);
  return real;
}
