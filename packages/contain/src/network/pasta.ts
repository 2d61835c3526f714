/**
 * pasta (Debian package passt): a tap device in the container's network
 * namespace, configured like the host's interface (address, default route,
 * MTU 65520), with connections and datagrams carried by sockets on the
 * host. It stays in the foreground so that its pid is the one we know, and
 * writes its pid file once the network is up: that is its readiness.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '@rootless-containers/core';
import { HelperKind, StartOptions, Tied, endTied, ended, failure, lastWords, startTied, waitReady } from './helper';
import { Protocol, Publish, explainBindFailure } from './publish';

/** Where DNS queries go inside: pasta sends them on to the host's first name server. */
const FORWARDER = '169.254.1.1';
/** What pasta says on a host without a default route, whose interface it would copy. */
const NO_ROUTE = /External interface not usable/;

function forwards(options: StartOptions, flag: string, protocol: Protocol): string[] {
  const mine = options.publish.filter((p) => p.protocol === protocol);
  if (mine.length === 0) return [flag, 'none'];
  return mine.flatMap((p) => [flag, `${p.hostIp}/${p.hostPort}:${p.port}`]);
}

export function pastaArgs(options: StartOptions, pidFile: string): string[] {
  return [
    '--foreground', '--quiet', '--config-net',
    ...forwards(options, '-t', 'tcp'), ...forwards(options, '-u', 'udp'),
    // Nothing from the container to the host's own ports: by default
    // pasta would forward every port bound on the host's loopback.
    '-T', 'none', '-U', 'none',
    '--dns-forward', FORWARDER,
    // Without it, the gateway's address leads to the host's loopback.
    ...(options.hostLoopback ? [] : ['--no-map-gw']),
    '--pid', pidFile,
    // Started by root, pasta becomes nobody, who may not enter the
    // container's user namespace; the container's root is ours anyway.
    ...(process.getuid!() === 0 ? ['--runas', '0'] : []),
    String(options.pid),
  ];
}

/** pasta takes each host port once per protocol, whatever the address. */
function check(publish: Publish[]): void {
  publish.forEach((p, i) => {
    const twice = publish.slice(0, i).find((q) => q.protocol === p.protocol && q.hostPort === p.hostPort);
    if (twice) {
      throw usageError(`${p.label} ${p.spec}: pasta publishes host port ${p.hostPort}/${p.protocol} on one address only, `
        + `and ${twice.label} ${twice.spec} has it (slirp4netns can do both)`);
    }
  });
}

function pidWritten(file: string): boolean {
  try {
    return readFileSync(file, 'utf8').endsWith('\n');
  } catch {
    return false;
  }
}

async function start(options: StartOptions): Promise<Tied> {
  const pidFile = join(options.dir, 'pasta.pid');
  const tied = startTied('pasta', options.program, pastaArgs(options, pidFile), options.env, options.dir);
  try {
    await waitReady(tied, () => pidWritten(pidFile));
  } catch (error) {
    const bound = ended(tied) ? await explainBindFailure(options.publish) : undefined;
    const offline = ended(tied) && NO_ROUTE.test(lastWords(tied))
      ? failure(tied, 'ended before the network was up', 'the host has no default route, which pasta needs: '
        + 'connect it to a network, or use --network slirp4netns')
      : undefined;
    endTied(tied);
    throw bound ?? offline ?? error;
  } finally {
    rmSync(pidFile, { force: true });
  }
  return tied;
}

export const PASTA: HelperKind = { program: 'pasta', package: 'passt', forwarder: FORWARDER, check, start };
