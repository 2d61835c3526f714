// --network pasta and slirp4netns: an interface and DNS inside, the host's
// loopback closed unless --host-loopback, published TCP and UDP ports,
// clear failures, and a helper that lives exactly as long as the container.
// Everything runs as the test user with the real helpers; no internet.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AS_ROOT, BIN, TEST_USER, asUser, busyboxRoot, cli, finished, needs, run, runtimeDir, scratch, start, until,
} from './helpers.mjs';
import { childrenOf, compileStatic, pid1Of, pidNamespace, startContain, writeAs } from './contain-support.mjs';

const MODES = ['pasta', 'slirp4netns'];
/** The DNS forwarder each helper offers inside. */
const FORWARDER = { pasta: '169.254.1.1', slirp4netns: '10.0.2.3' };

// What the tests run inside: a TCP client that says what happened, and
// TCP and UDP servers that say what reached them.
const NETPROBE = `
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in address(const char *host, const char *port) {
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
  inet_pton(AF_INET, host, &a.sin_addr);
  return a;
}

/* connect ADDR PORT: "reply: TEXT", "refused", "timeout" or the error. */
static int connect_to(const char *host, const char *port) {
  struct sockaddr_in a = address(host, port);
  int s = socket(AF_INET, SOCK_STREAM, 0), error = 0;
  socklen_t size = sizeof error;
  struct pollfd p = { .fd = s, .events = POLLOUT };
  char buffer[256];
  long n;

  fcntl(s, F_SETFL, O_NONBLOCK);
  if (connect(s, (struct sockaddr *) &a, sizeof a) < 0 && errno != EINPROGRESS) error = errno;
  else if (poll(&p, 1, 3000) == 0) { printf("timeout\\n"); return 1; }
  else getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &size);
  if (error) { printf("%s\\n", error == ECONNREFUSED ? "refused" : strerror(error)); return 1; }
  fcntl(s, F_SETFL, 0);
  p.events = POLLIN;
  if (poll(&p, 1, 3000) == 0) { printf("no reply\\n"); return 1; }
  n = read(s, buffer, sizeof buffer - 1);
  buffer[n > 0 ? n : 0] = 0;
  printf("reply: %s\\n", buffer);
  return 0;
}

/* tcp-serve PORT TEXT, udp-serve PORT: serve until killed. */
static int serve(int type, const char *port, const char *text) {
  struct sockaddr_in a = address("0.0.0.0", port), from;
  int s = socket(AF_INET, type, 0), one = 1;
  char buffer[512], reply[600];

  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, (struct sockaddr *) &a, sizeof a) < 0 || (type == SOCK_STREAM && listen(s, 16) < 0)) {
    perror("bind");
    return 1;
  }
  printf("listening %s\\n", port);
  fflush(stdout);
  for (;;) {
    socklen_t size = sizeof from;
    if (type == SOCK_STREAM) {
      int c = accept(s, NULL, NULL);
      if (c < 0) continue;
      if (write(c, text, strlen(text)) < 0) {}
      close(c);
    } else {
      long n = recvfrom(s, buffer, sizeof buffer - 1, 0, (struct sockaddr *) &from, &size);
      if (n < 0) continue;
      buffer[n] = 0;
      printf("got %s\\n", buffer);
      fflush(stdout);
      snprintf(reply, sizeof reply, "udp: %s", buffer);
      sendto(s, reply, strlen(reply), 0, (struct sockaddr *) &from, size);
    }
  }
}

int main(int argc, char **argv) {
  if (argc == 4 && !strcmp(argv[1], "connect")) return connect_to(argv[2], argv[3]);
  if (argc == 4 && !strcmp(argv[1], "tcp-serve")) return serve(SOCK_STREAM, argv[2], argv[3]);
  if (argc == 3 && !strcmp(argv[1], "udp-serve")) return serve(SOCK_DGRAM, argv[2], "");
  return 64;
}
`;

/** A busybox root with netprobe in /bin; skips (fails in CI) without a static compiler. */
function networkRoot(t) {
  const root = busyboxRoot(t);
  if (!needs(t, compileStatic(t, NETPROBE, join(root, 'bin/netprobe')), 'gcc -static cannot build a test program')) {
    return undefined;
  }
  return root;
}

/** A host port that is free now, for TCP and UDP alike. */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address();
        server.close(() => resolve(p));
      });
    });
    if (await udpFree(port)) return port;
  }
}

function udpFree(port) {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => { socket.close(); resolve(false); });
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(true)));
  });
}

/** Whether a TCP port of the host is free to listen on again. */
function tcpFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/** Runs contain as the test user without blocking this process: { status, stdout, stderr }. */
function contain(args) {
  return finished(start(BIN.contain, args));
}

/** A unique container name, so that other tests' containers never clash. */
function uniqueName(prefix) {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Starts contain and waits until PID 1 printed `ready`: { child, done,
 * output(), pid1, helper } with the host pid of the network helper.
 */
async function running(t, args) {
  const child = startContain(t, args);
  const done = finished(child);
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const ready = await until(() => /^ready$/m.test(output) || child.exitCode !== null, 20_000);
  assert.ok(ready && child.exitCode === null, `the container did not start: ${output}`);
  const pid1 = await pid1Of(child.pid);
  return { child, done, output: () => output, pid1, helper: helperOf(child.pid) };
}

/** The network helper: the supervisor's child that is not in the container. */
function helperOf(supervisor) {
  const host = pidNamespace(process.pid);
  const helpers = childrenOf(supervisor).filter((p) => {
    try { return pidNamespace(p) === host; } catch { return false; }
  });
  assert.equal(helpers.length, 1, `one helper, not ${helpers}`);
  return helpers[0];
}

/** Gone, or a zombie waiting for a slow init to reap it. */
function dead(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

/** The inodes of a process's sockets. */
function socketsOf(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  return inodes;
}

/** The inodes of the host's TCP and UDP sockets, bound or listening. */
function hostSockets() {
  const inodes = new Set();
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    for (const line of readFileSync(`/proc/net/${table}`, 'utf8').trim().split('\n').slice(1)) {
      inodes.add(line.trim().split(/\s+/)[9]);
    }
  }
  return inodes;
}

/** Connects to a host port and returns what the server says. */
function tcpSay(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    let said = '';
    const c = createConnection(port, host);
    c.setEncoding('utf8');
    c.on('data', (d) => { said += d; });
    c.on('error', (e) => resolve(`error ${e.code}`));
    c.on('close', () => resolve(said));
    c.setTimeout(5000, () => c.destroy());
  });
}

/** Sends a datagram from the host's 127.0.0.1 every 200 ms until `stop()` says so. */
async function udpSend(port, payload, stop) {
  const socket = createSocket('udp4');
  try {
    return await until(() => {
      socket.send(payload, port, '127.0.0.1');
      return stop();
    }, 5000, 200);
  } finally {
    socket.close();
  }
}

/** A TCP server on the host's 127.0.0.1 that counts its connections. */
async function hostServer(t) {
  const server = createServer((c) => {
    // A client that goes before reading the answer resets the connection.
    c.on('error', () => undefined);
    server.accepted++;
    c.end('host-hello');
  });
  server.accepted = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return server;
}

const LOOP = 'echo ready; while [ ! -e /tmp/halt ]; do sleep 0.1; done; halt -f';

/** Asserts a failure: the status, one line on stderr. */
function fails(r, status, message) {
  assert.equal(r.status, status, r.stderr);
  assert.match(r.stderr, /^contain: [^\n]+\n$/, `not exactly one line: ${r.stderr}`);
  assert.match(r.stderr, message);
}

for (const mode of MODES) {
  test(`${mode}: an interface with an address, a default route and MTU 65520, and resolv.conf naming the forwarder`, { timeout: 60_000 }, (t) => {
    const root = busyboxRoot(t);
    writeAs(join(root, 'etc/resolv.conf'), 'nameserver 192.0.2.99\n');
    const r = cli('contain', ['-c', '--network', mode, root, '/bin/sh', '-c',
      'ip -4 -o addr show; echo; ip route; echo; for i in /sys/class/net/*; do echo "${i##*/} $(cat $i/mtu)"; done; echo; cat /etc/resolv.conf']);
    assert.equal(r.status, 0, r.stderr);
    const [addresses, routes, mtus, resolv] = r.stdout.split('\n\n');
    const link = /^\d+: (\S+)\s+inet (\d+\.\d+\.\d+\.\d+)\/\d+/m.exec(addresses.split('\n').filter((l) => !/ lo /.test(l)).join('\n'));
    assert.ok(link, `an address besides lo: ${addresses}`);
    assert.match(routes, new RegExp(`^default via \\d+\\.\\d+\\.\\d+\\.\\d+ dev ${link[1]}`, 'm'));
    assert.match(mtus, new RegExp(`^${link[1]} 65520$`, 'm'));
    assert.deepEqual(resolv.split('\n').filter((l) => /^nameserver/.test(l)), [`nameserver ${FORWARDER[mode]}`]);
    // DIR's own file is as it was.
    assert.equal(readFileSync(join(root, 'etc/resolv.conf'), 'utf8'), 'nameserver 192.0.2.99\n');
  });

  test(`${mode}: a missing or dangling /etc/resolv.conf in DIR still gets the forwarder, and nothing is made through the link`, { timeout: 60_000 }, (t) => {
    const root = busyboxRoot(t);
    const outside = join(scratch(t), 'target');
    run('/bin/sh', ['-c', `ln -s ${outside} ${root}/etc/resolv.conf`]);
    let r = cli('contain', ['-c', '--network', mode, root, '/bin/cat', '/etc/resolv.conf']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^nameserver ${FORWARDER[mode]}$`, 'm'));
    assert.equal(readlinkSync(join(root, 'etc/resolv.conf')), outside, 'the link is as it was');
    assert.equal(existsSync(outside), false, 'nothing was created where the link leads');
    run('/bin/rm', [join(root, 'etc/resolv.conf')]);
    r = cli('contain', ['-c', '--network', mode, root, '/bin/cat', '/etc/resolv.conf']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^nameserver ${FORWARDER[mode]}$`, 'm'));
  });

  test(`${mode}: DNS queries inside reach the host's name server through the forwarder`, { timeout: 60_000 }, async (t) => {
    if (!needs(t, AS_ROOT, 'giving contain a resolv.conf of the test\'s needs root')) return;
    const root = busyboxRoot(t);
    const dns = await dnsServer(t, { 'contain-test.example': '192.0.2.123' });
    // The host's resolv.conf, seen by contain and its helper only: a
    // mount namespace of their own, made by root before dropping to the user.
    const resolv = join(scratch(t), 'resolv.conf');
    writeFileSync(resolv, `nameserver ${dns.address}\nsearch example.org\n`, { mode: 0o644 });
    const [file, argv] = asUser(TEST_USER, BIN.contain, ['-c', '--network', mode, root, '/bin/sh', '-c',
      'cat /etc/resolv.conf; nslookup contain-test.example']);
    const child = start('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolv, file, ...argv],
      { user: 'root' });
    const r = await finished(child);
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /^search example\.org$/m);
    assert.match(r.stdout, /Address:?\s+192\.0\.2\.123/);
    assert.ok(dns.queries.includes('contain-test.example'), `queries: ${dns.queries}`);
  });

  test(`${mode}: the host's loopback is out of reach by default, and reached with --host-loopback`, { timeout: 60_000 }, async (t) => {
    const root = networkRoot(t);
    if (!root) return;
    const server = await hostServer(t);
    const { port } = server.address();
    const probe = `netprobe connect $(ip route | awk '/^default/ { print $3 }') ${port}`;
    // Run without blocking: the host's server answers from this process.
    const open = await contain(['-c', '--network', mode, '--host-loopback', root, '/bin/sh', '-c', probe]);
    assert.equal(open.status, 0, open.stderr + open.stdout);
    assert.match(open.stdout, /^reply: host-hello$/m);
    assert.equal(server.accepted, 1);
    const closed = await contain(['-c', '--network', mode, root, '/bin/sh', '-c', probe]);
    // slirp4netns answers that the network is unreachable; pasta passes
    // it on to the real gateway, whose answer (or silence) is the network's.
    assert.match(closed.stdout, mode === 'slirp4netns' ? /^Network is unreachable$/m : /^(refused|timeout|.*unreachable)$/mi);
    assert.equal(server.accepted, 1, 'the closed container reached the host\'s loopback');
    // Nor through the container's own loopback.
    const own = await contain(['-c', '--network', mode, '--host-loopback', root, 'netprobe', 'connect', '127.0.0.1', String(port)]);
    assert.match(own.stdout, /^refused$/m);
    assert.equal(server.accepted, 1);
  });

  test(`${mode}: published TCP and UDP ports reach servers inside from the host's 127.0.0.1, and --list shows them`, { timeout: 60_000 }, async (t) => {
    const root = networkRoot(t);
    if (!root) return;
    const tcp = await freePort();
    const udp = await freePort();
    const name = uniqueName('net');
    const c = await running(t, ['-c', '--name', name, '--network', mode, '-p', `127.0.0.1:${tcp}:80`,
      '--publish', `${udp}:${udp}/udp`, root, '/bin/sh', '-c',
      `netprobe tcp-serve 80 hello-from-inside & netprobe udp-serve ${udp} & sleep 0.3; ${LOOP}`]);
    assert.equal(await tcpSay(tcp), 'hello-from-inside');
    const payload = `datagram-${process.pid}`;
    const reached = await udpSend(udp, payload, () => c.output().includes(`got ${payload}`));
    assert.ok(reached, `the datagram did not reach the server inside: ${c.output()}`);
    const list = cli('contain', ['--list']);
    const row = list.stdout.split('\n').find((l) => l.startsWith(`${name} `));
    assert.ok(row, list.stdout);
    assert.match(row, new RegExp(` ${mode} 127\\.0\\.0\\.1:${tcp}:80,${udp}:${udp}/udp `));
    const json = JSON.parse(cli('contain', ['--list', '--json']).stdout).find((e) => e.name === name);
    assert.equal(json.network, mode);
    assert.deepEqual(json.publish, [`127.0.0.1:${tcp}:80`, `${udp}:${udp}/udp`]);
  });

  test(`${mode}: a second container publishing the same host port fails clearly, and the first keeps working`, { timeout: 60_000 }, async (t) => {
    const first = networkRoot(t);
    if (!first) return;
    const second = busyboxRoot(t);
    const port = await freePort();
    await running(t, ['-c', '--name', uniqueName('net'), '--network', mode, '-p', `${port}:80`, first, '/bin/sh', '-c',
      `netprobe tcp-serve 80 first & sleep 0.3; ${LOOP}`]);
    const r = cli('contain', ['-c', '--network', mode, '-p', `${port}:80`, second, '/bin/true']);
    fails(r, 125, new RegExp(`^contain: -p ${port}:80: host port ${port}/tcp on 0\\.0\\.0\\.0 is already in use$`, 'm'));
    assert.equal(await tcpSay(port), 'first');
  });

  const endings = {
    'halt inside': async (c, root) => { writeFileSync(join(root, 'tmp/halt'), ''); return 0; },
    'contain --stop': async (c, root, name) => {
      const r = cli('contain', ['--stop', name]);
      assert.equal(r.status, 0, r.stderr);
      return 0;
    },
    SIGTERM: async (c) => { c.child.kill('SIGTERM'); return 0; },
    'SIGKILL of the supervisor': async (c) => { c.child.kill('SIGKILL'); return null; },
  };
  for (const [ending, end] of Object.entries(endings)) {
    test(`${mode}: after ${ending}, no helper process, socket or file remains`, { timeout: 60_000 }, async (t) => {
      const root = networkRoot(t);
      if (!root) return;
      const port = await freePort();
      const name = uniqueName('net');
      // A stop request halts PID 1: the shell's trap.
      const c = await running(t, ['-c', '--name', name, '--network', mode, '-p', `${port}:80`, root, '/bin/sh', '-c',
        `trap "halt -f" TERM; netprobe tcp-serve 80 up & sleep 0.3; ${LOOP}`]);
      t.after(() => { try { process.kill(c.helper, 'SIGKILL'); } catch { /* gone */ } });
      assert.equal(await tcpSay(port), 'up');
      const sockets = socketsOf(c.helper);
      assert.ok(sockets.size > 0, 'the helper holds sockets');
      const dir = join(runtimeDir(TEST_USER), 'contain', name);
      const status = await end(c, root, name);
      const r = await c.done;
      assert.equal(r.status, status, r.stderr);
      assert.ok(await until(() => dead(c.helper), 5000), `the helper ${c.helper} still runs`);
      const left = [...hostSockets()].filter((inode) => sockets.has(inode));
      assert.deepEqual(left, [], 'sockets of the helper remain');
      assert.ok(await tcpFree(port), `host port ${port} is still taken`);
      // The supervisor's own files may outlive a SIGKILL until the next
      // --list sweeps them; none of the helper's is among them.
      const files = existsSync(dir) ? readdirSync(dir) : [];
      assert.deepEqual(files.filter((f) => !['lock', 'info.json', 'console.sock', 'console.log'].includes(f)), []);
      cli('contain', ['--list']);
      assert.equal(existsSync(dir), false, `${dir} remains`);
    });
  }
}

test('--network takes the four modes, and -n is --network host, with no other mode', (t) => {
  const root = busyboxRoot(t);
  fails(cli('contain', ['-c', '--network', 'slirp', root, '/bin/true']), 64,
    /^contain: --network slirp: not a network mode \(none, host, pasta, slirp4netns\)$/m);
  fails(cli('contain', ['-c', '-n', '--network', 'pasta', root, '/bin/true']), 64,
    /^contain: -n and --network pasta do not go together \(see --help\)$/m);
  fails(cli('contain', ['-c', '--network', 'none', '-n', root, '/bin/true']), 64, /^contain: -n and --network none do not go together/m);
  const file = join(scratch(t), 'bad.ini');
  writeAs(file, `[container]\nroot = ${root}\nnetwork = tap\n`);
  fails(cli('contain', ['-c', '-f', file, '/bin/true']), 64, new RegExp(`^contain: ${file}:3: network tap: not a network mode`, 'm'));
});

test('none (the default) is a namespace of its own, host (-n) is the host\'s, and --list shows which', { timeout: 60_000 }, async (t) => {
  const root = busyboxRoot(t);
  const host = readlinkSync('/proc/self/ns/net');
  for (const [args, mode] of [[[], 'none'], [['--network', 'none'], 'none'], [['-n'], 'host'], [['--network=host'], 'host']]) {
    const name = uniqueName('net');
    const child = startContain(t, ['-c', '--name', name, ...args, root, '/bin/sh', '-c',
      'trap "exit 0" TERM; readlink /proc/self/ns/net; echo ready; while :; do sleep 0.1; done']);
    const done = finished(child);
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    assert.ok(await until(() => /^ready$/m.test(output), 20_000), `${args.join(' ')}: the container did not start`);
    const inside = output.split('\n')[0];
    assert.match(inside, /^net:\[\d+\]$/);
    if (mode === 'host') assert.equal(inside, host, args.join(' '));
    else assert.notEqual(inside, host, args.join(' '));
    const row = cli('contain', ['--list']).stdout.split('\n').find((l) => l.startsWith(`${name} `));
    assert.match(row ?? '', new RegExp(`^${name}\\s+\\d+\\s+\\d+\\s+\\S+\\s+${mode}\\s+${root}\\s`));
    const json = JSON.parse(cli('contain', ['--list', '--json']).stdout).find((e) => e.name === name);
    assert.deepEqual([json.network, json.publish], [mode, []]);
    child.kill('SIGTERM');
    assert.equal((await done).status, 0);
  }
});

test('publishing needs a helper mode, and a bad SPEC is a usage error', (t) => {
  const root = busyboxRoot(t);
  fails(cli('contain', ['-c', '-p', '8080:80', root, '/bin/true']), 64,
    /^contain: -p 8080:80: publishing a port needs --network pasta or slirp4netns$/m);
  fails(cli('contain', ['-c', '-n', '--publish', '8080:80', root, '/bin/true']), 64, /--publish 8080:80: publishing a port needs/);
  fails(cli('contain', ['-c', '--host-loopback', root, '/bin/true']), 64, /--host-loopback needs --network pasta or slirp4netns/);
  for (const [spec, why] of [['80', /not \[HOSTIP:\]HOSTPORT:PORT/], ['1.2.3:80:80', /1\.2\.3 is not an IPv4 address/],
    ['0:80', /a port is a number from 1 to 65535/], ['8080:80/sctp', /not \[HOSTIP:\]HOSTPORT:PORT/],
    ['255.255.255.255:18332:80', /255\.255\.255\.255 is a multicast or broadcast address, not one of this host/],
    ['224.0.0.1:18332:80/udp', /224\.0\.0\.1 is a multicast or broadcast address/]]) {
    fails(cli('contain', ['-c', '--network', 'pasta', '-p', spec, root, '/bin/true']), 64, why);
  }
  fails(cli('contain', ['-c', '--network', 'pasta', '-p', '18000:80', '-p', '127.0.0.1:18000:81', root, '/bin/true']), 64,
    /-p 127\.0\.0\.1:18000:81: host port 18000\/tcp is already published by -p 18000:80/);
});

test('one host port on two addresses: slirp4netns publishes both, pasta cannot and says so at once', async (t) => {
  const root = busyboxRoot(t);
  const port = await freePort();
  const both = ['-p', `127.0.0.1:${port}:80`, '-p', `127.0.0.2:${port}:81`];
  fails(await contain(['-c', '--network', 'pasta', ...both, root, '/bin/true']), 64,
    new RegExp(`^contain: -p 127\\.0\\.0\\.2:${port}:81: pasta publishes host port ${port}/tcp on one address only, `
      + `and -p 127\\.0\\.0\\.1:${port}:80 has it \\(slirp4netns can do both\\)$`, 'm'));
  const r = await contain(['-c', '--network', 'slirp4netns', ...both, root, '/bin/true']);
  assert.equal(r.status, 0, r.stderr);
});

test('a taken host port is one line at the start, for TCP and UDP, and no entry is left behind', async (t) => {
  const root = busyboxRoot(t);
  const server = await hostServer(t);
  const { port } = server.address();
  const udp = createSocket('udp4');
  await new Promise((resolve) => udp.bind(0, '0.0.0.0', resolve));
  t.after(() => udp.close());
  const name = uniqueName('net');
  for (const mode of MODES) {
    fails(cli('contain', ['-c', '--name', name, '--network', mode, '-p', `127.0.0.1:${port}:80`, root, '/bin/true']), 125,
      new RegExp(`^contain: -p 127\\.0\\.0\\.1:${port}:80: host port ${port}/tcp on 127\\.0\\.0\\.1 is already in use$`, 'm'));
    fails(cli('contain', ['-c', '--network', mode, '-p', `${udp.address().port}:53/udp`, root, '/bin/true']), 125,
      /host port \d+\/udp on 0\.0\.0\.0 is already in use$/m);
  }
  assert.equal(server.accepted, 0);
  assert.equal(existsSync(join(runtimeDir(TEST_USER), 'contain', name)), false);
});

test('network, publish and host-loopback are keys of a definition, named FILE:LINE in messages', async (t) => {
  const root = busyboxRoot(t);
  const server = await hostServer(t);
  const { port } = server.address();
  const file = join(scratch(t), 'web.ini');
  writeAs(file, `[container]\nroot = ${root}\nnetwork = slirp4netns\nhost-loopback = true\npublish = 127.0.0.1:${port}:80\n`);
  const taken = await contain(['-c', '-f', file, '/bin/true']);
  fails(taken, 125, new RegExp(`^contain: ${file}:5: publish 127\\.0\\.0\\.1:${port}:80: host port ${port}/tcp on 127\\.0\\.0\\.1 is already in use$`, 'm'));
  writeAs(file, `[container]\nroot = ${root}\nnetwork = slirp4netns\nhost-loopback = true\n`);
  const r = await contain(['-c', '-f', file, '/bin/sh', '-c', 'ip route; cat /etc/resolv.conf']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^default via 10\.0\.2\.2 /m);
  assert.match(r.stdout, /^nameserver 10\.0\.2\.3$/m);
  // The command line wins over the file.
  const none = await contain(['-c', '-f', file, '--network', 'none', '/bin/sh', '-c', 'cat /etc/resolv.conf; ip route']);
  fails(none, 64, new RegExp(`^contain: ${file}:4: host-loopback needs --network pasta or slirp4netns$`, 'm'));
});

/** Runs contain as the test user in a mount namespace where `path` is replaced by `source`. */
function containHiding(path, source, args) {
  const [file, argv] = asUser(TEST_USER, BIN.contain, args);
  return run('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"', source, path, file, ...argv],
    { user: 'root' });
}

test('a helper that is not installed is named with its package', (t) => {
  if (!needs(t, AS_ROOT, 'hiding a helper needs root')) return;
  const root = busyboxRoot(t);
  for (const [mode, program, pkg] of [['pasta', 'pasta', 'passt'], ['slirp4netns', 'slirp4netns', 'slirp4netns']]) {
    const path = run('/bin/sh', ['-c', `command -v ${program}`]).stdout.trim();
    assert.ok(path, `${program} is installed on this host`);
    // /dev/null in its place: not executable, so not there.
    const r = containHiding(path, '/dev/null', ['-c', '--network', mode, root, '/bin/true']);
    fails(r, 125, new RegExp(`^contain: ${program} is not installed, and --network ${mode} needs it \\(install the ${pkg} package`));
  }
});

test('/dev/net/tun missing or not usable by the user is one line saying how to make it so', (t) => {
  if (!needs(t, AS_ROOT, 'hiding /dev/net/tun needs root')) return;
  const root = busyboxRoot(t);
  const locked = join(scratch(t), 'tun');
  writeFileSync(locked, '', { mode: 0o600 });
  for (const mode of MODES) {
    const r = containHiding('/dev/net/tun', locked, ['-c', '--network', mode, root, '/bin/true']);
    fails(r, 125, /^contain: \/dev\/net\/tun is not usable by you: permission denied \(most distributions make it mode 0666: sudo chmod 0666 \/dev\/net\/tun\)$/m);
  }
  // No tun device at all: an empty /dev/net.
  const empty = join(scratch(t), 'net');
  mkdirSync(empty);
  for (const mode of MODES) {
    const r = containHiding('/dev/net', empty, ['-c', '--network', mode, root, '/bin/true']);
    fails(r, 125, /^contain: \/dev\/net\/tun is missing \(load the tun module: sudo modprobe tun\)$/m);
  }
});

test('on a host without a default route, pasta\'s failure names the way out, and slirp4netns works', { timeout: 60_000 }, (t) => {
  if (!needs(t, AS_ROOT, 'a host without a network needs root')) return;
  const root = busyboxRoot(t);
  // A network namespace of contain's own with only lo: an offline host.
  const offline = (args) => {
    const [file, argv] = asUser(TEST_USER, BIN.contain, args);
    return run('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh', file, ...argv], { user: 'root' });
  };
  fails(offline(['-c', '--network', 'pasta', root, '/bin/true']), 125,
    /^contain: pasta ended before the network was up \(status 1\): .*\(the host has no default route, which pasta needs: connect it to a network, or use --network slirp4netns\)$/m);
  const r = offline(['-c', '--network', 'slirp4netns', root, '/bin/sh', '-c', 'ip route']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^default via 10\.0\.2\.2 dev tap0/m);
});

test('a start that fails after the helper started leaves no helper behind', { timeout: 60_000 }, (t) => {
  const root = busyboxRoot(t);
  const record = join(scratch(t), 'children');
  for (const mode of MODES) {
    // The -o command runs after the helper, as a child of contain like it:
    // it records contain's children, then fails, or PID 1 is not found.
    for (const [args, status] of [[['-o', `ps -o pid= --ppid $PPID > ${record}; exit 3`, root, '/bin/true'], 3],
      [['-o', `ps -o pid= --ppid $PPID > ${record}`, root, '/no/such/command'], 127]]) {
      const r = cli('contain', ['-c', '--network', mode, ...args]);
      assert.equal(r.status, status, r.stderr);
      const children = readFileSync(record, 'utf8').trim().split(/\s+/).map(Number);
      assert.ok(children.length >= 2, `contain's children: ${children}`);
      for (const pid of children) assert.ok(dead(pid), `${pid} of ${children} still runs after ${args.join(' ')}`);
    }
  }
});

/**
 * A DNS server for the tests on a loopback address of its own, port 53:
 * it answers A queries for the names given and records every query.
 */
async function dnsServer(t, names) {
  const address = `127.53.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  const socket = createSocket('udp4');
  const queries = [];
  socket.on('message', (query, from) => {
    const labels = [];
    let at = 12;
    while (query[at] !== 0 && at < query.length) {
      labels.push(query.subarray(at + 1, at + 1 + query[at]).toString());
      at += query[at] + 1;
    }
    const name = labels.join('.');
    const type = query.readUInt16BE(at + 1);
    const question = query.subarray(12, at + 5);
    queries.push(name);
    const known = names[name];
    const answer = known && type === 1
      ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), Buffer.from(known.split('.').map(Number))])
      : Buffer.alloc(0);
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer.length ? 1 : 0, 6);
    socket.send(Buffer.concat([header, question, answer]), from.port, from.address);
  });
  await new Promise((resolve) => socket.bind(53, address, resolve));
  t.after(() => socket.close());
  return { address, queries };
}
