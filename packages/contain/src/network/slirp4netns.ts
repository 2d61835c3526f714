/**
 * slirp4netns: a tap device in the container's network namespace behind
 * a user-mode TCP/IP stack (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3),
 * sandboxed as podman runs it. It says it is ready on --ready-fd; ports
 * are published through its API socket (add_hostfwd), which is removed as
 * soon as they are.
 */
import { closeSync, read, rmSync } from 'node:fs';
import { join } from 'node:path';
import { StepError, native } from '@rootless-containers/core';
import { HelperKind, StartOptions, Tied, endTied, failure, startTied, waitReady } from './helper';
import { Publish, explainBindFailure } from './publish';

const FORWARDER = '10.0.2.3';
/** As podman sets it: slirp4netns's own default is 1500. */
const MTU = 65520;
/** The longest path of a Unix socket. */
const SUN_PATH_MAX = 107;

export function slirpArgs(options: StartOptions, apiSocket?: string): string[] {
  return [
    '--configure', `--mtu=${MTU}`,
    // Without it, 10.0.2.2 leads to the host's loopback.
    ...(options.hostLoopback ? [] : ['--disable-host-loopback']),
    '--enable-sandbox', '--enable-seccomp',
    '--ready-fd=3',
    ...(apiSocket ? ['--api-socket', apiSocket] : []),
    String(options.pid), 'tap0',
  ];
}

/** Reads the ready byte from fd in the thread pool; `state.ready` once it came. */
function watchReady(fd: number): { ready: boolean; done: boolean } {
  const state = { ready: false, done: false };
  const byte = Buffer.alloc(1);
  read(fd, byte, 0, 1, null, (error, n) => {
    state.ready = !error && n === 1;
    state.done = true;
    closeSync(fd);
  });
  return state;
}

/** One request to the API socket: the request, then end of input, then its answer. */
function request(socket: string, body: object): Promise<{ return?: unknown; error?: { desc?: string } }> {
  const { createConnection } = require('node:net') as typeof import('node:net');
  return new Promise((resolve, reject) => {
    let answer = '';
    const connection = createConnection(socket, () => connection.end(JSON.stringify(body)));
    connection.setEncoding('utf8');
    connection.on('data', (d: string) => { answer += d; });
    connection.on('error', reject);
    connection.on('close', () => {
      try {
        resolve(JSON.parse(answer));
      } catch {
        reject(new Error(`no answer from ${socket}`));
      }
    });
  });
}

async function publish(socket: string, p: Publish, all: Publish[]): Promise<void> {
  let answer;
  try {
    answer = await request(socket, {
      execute: 'add_hostfwd',
      arguments: { proto: p.protocol, host_addr: p.hostIp, host_port: p.hostPort, guest_port: p.port },
    });
  } catch (error) {
    throw new StepError(`${p.label} ${p.spec}: slirp4netns did not answer: ${(error as Error).message}`);
  }
  if (answer.error || answer.return === undefined) {
    throw (await explainBindFailure(all))
      ?? new StepError(`${p.label} ${p.spec}: slirp4netns refused it: ${answer.error?.desc ?? 'no reason given'}`);
  }
}

async function start(options: StartOptions): Promise<Tied> {
  const apiSocket = options.publish.length ? join(options.dir, 'slirp4netns.sock') : undefined;
  if (apiSocket && apiSocket.length > SUN_PATH_MAX) {
    throw new StepError(`${apiSocket}: too long for a socket's path`, 0, 'setup', 'set XDG_RUNTIME_DIR to a shorter directory');
  }
  const pipe = new Int32Array(2);
  const made = native().pipe(pipe);
  if (made < 0) throw new StepError('create a pipe for slirp4netns', -made);
  let tied: Tied;
  try {
    tied = startTied('slirp4netns', options.program, slirpArgs(options, apiSocket), options.env, options.dir, [pipe[1]]);
  } catch (error) {
    closeSync(pipe[0]);
    throw error;
  } finally {
    closeSync(pipe[1]);
  }
  const ready = watchReady(pipe[0]);
  try {
    await waitReady(tied, () => {
      if (ready.done && !ready.ready) throw failure(tied, 'closed --ready-fd without saying it was ready');
      return ready.ready;
    });
    for (const p of options.publish) await publish(apiSocket!, p, options.publish);
  } catch (error) {
    endTied(tied);
    throw error;
  } finally {
    // The published ports stay; nobody needs the socket any more.
    if (apiSocket) rmSync(apiSocket, { force: true });
  }
  return tied;
}

export const SLIRP4NETNS: HelperKind = { program: 'slirp4netns', package: 'slirp4netns', forwarder: FORWARDER, start };
