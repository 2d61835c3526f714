/**
 * Published ports: `-p [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]` read and checked,
 * and each host port tried before the container starts, so that one
 * already taken is one clear line instead of a helper's complaint.
 */
import { StepError, usageError } from '@rootless-containers/core';
import { Labeled } from '../settings';

export type Protocol = 'tcp' | 'udp';

export interface Publish {
  /** The host address to listen on: 0.0.0.0 (every address) unless given. */
  hostIp: string;
  hostPort: number;
  /** The port inside the container. */
  port: number;
  protocol: Protocol;
  /** As given, and where, for messages: `-p 8080:80`. */
  spec: string;
  label: string;
}

const SPEC = /^(?:([0-9.]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/;

function ipv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function port(text: string): number | undefined {
  const n = Number(text);
  return /^\d{1,5}$/.test(text) && n >= 1 && n <= 65535 ? n : undefined;
}

export function parsePublish(given: Labeled): Publish {
  const where = `${given.label} ${given.value}`;
  const match = SPEC.exec(given.value);
  if (!match) throw usageError(`${where}: not [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]`);
  const [, address, host, inside, protocol] = match;
  if (address !== undefined && !ipv4(address)) throw usageError(`${where}: ${address} is not an IPv4 address`);
  // 224 and up: multicast, reserved and broadcast, which the kernel lets
  // a socket bind but no connection comes to.
  if (address !== undefined && Number(address.split('.')[0]) >= 224) {
    throw usageError(`${where}: ${address} is a multicast or broadcast address, not one of this host`);
  }
  const hostPort = port(host), innerPort = port(inside);
  if (!hostPort || !innerPort) throw usageError(`${where}: a port is a number from 1 to 65535`);
  return {
    hostIp: address ?? '0.0.0.0',
    hostPort,
    port: innerPort,
    protocol: (protocol ?? 'tcp') as Protocol,
    spec: given.value,
    label: given.label,
  };
}

/** Reads every -p, refusing a host port published twice. */
export function parsePublishes(list: Labeled[]): Publish[] {
  const parsed = list.map(parsePublish);
  parsed.forEach((p, i) => {
    const twice = parsed.slice(0, i).find((q) => q.protocol === p.protocol && q.hostPort === p.hostPort
      && (q.hostIp === p.hostIp || q.hostIp === '0.0.0.0' || p.hostIp === '0.0.0.0'));
    if (twice) {
      throw usageError(`${p.label} ${p.spec}: host port ${p.hostPort}/${p.protocol} is already published by ${twice.label} ${twice.spec}`);
    }
  });
  return parsed;
}

/** What a failed bind of a host port means to the user. */
function bindError(p: Publish, code: string | undefined): StepError {
  const where = `${p.label} ${p.spec}`;
  const what = `host port ${p.hostPort}/${p.protocol} on ${p.hostIp}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StepError(`${where}: ${what} is already in use`);
    case 'EACCES':
      return new StepError(`${where}: ${what} is privileged`, 0, 'setup',
        'ports below the sysctl net.ipv4.ip_unprivileged_port_start need privilege');
    case 'EADDRNOTAVAIL':
      return new StepError(`${where}: ${p.hostIp} is not an address of this host`);
    default:
      return new StepError(`${where}: cannot listen on ${what}${code ? `: ${code}` : ''}`);
  }
}

/** Binds and releases one host port as the helper will: resolves with the error code, if any. */
async function tryBind(p: Publish): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (p.protocol === 'tcp') {
      const { createServer } = require('node:net') as typeof import('node:net');
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      server.listen({ host: p.hostIp, port: p.hostPort, exclusive: true }, () => server.close(() => resolve(undefined)));
    } else {
      const { createSocket } = require('node:dgram') as typeof import('node:dgram');
      const socket = createSocket('udp4');
      socket.once('error', (error: NodeJS.ErrnoException) => {
        socket.close();
        resolve(error.code ?? 'error');
      });
      socket.bind({ address: p.hostIp, port: p.hostPort, exclusive: true }, () => socket.close(() => resolve(undefined)));
    }
  });
}

/**
 * Fails with one line for the first host port that cannot be had now.
 * The helper binds it moments later; a port taken in between is still
 * reported, in the helper's words.
 */
export async function checkHostPorts(list: Publish[]): Promise<void> {
  for (const p of list) {
    const code = await tryBind(p);
    if (code) throw bindError(p, code);
  }
}

/** The message for a port the helper itself could not bind. */
export async function explainBindFailure(list: Publish[]): Promise<StepError | undefined> {
  for (const p of list) {
    const code = await tryBind(p);
    if (code) return bindError(p, code);
  }
  return undefined;
}
