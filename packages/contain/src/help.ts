/** The --help text; man/contain.1 and the README say the same. */
export const HELP = `Usage: contain [OPTIONS] DIR [CMD [ARG]...]
Run CMD (default /bin/sh) as PID 1 of a container with DIR as its root, in
new user, cgroup, mount, IPC, UTS, time, PID and network namespaces.

Options:
  -c             no console: CMD gets contain's stdin, stdout and stderr
  -g MAP         map gids as START:LOWER:COUNT[,START:LOWER:COUNT]...
  -i CMD         run /bin/sh -c CMD in the new namespaces, in DIR, before
                 pivoting into it
  -n             share the host's network namespace: --network host
  -o CMD         run /bin/sh -c CMD on the host once the namespaces exist,
                 with CONTAIN_PID set to the host pid of PID 1
  -p, --publish SPEC
                 publish a port, SPEC [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]:
                 HOSTPORT on the host (on HOSTIP, default 0.0.0.0) reaches
                 PORT inside; needs --network pasta or slirp4netns
  -u MAP         map uids as START:LOWER:COUNT[,START:LOWER:COUNT]...
  --host-loopback
                 let the container reach the host's loopback through the
                 helper's address for the host (closed by default)
  --network MODE
                 none (default: only lo), host (the host's network), or a
                 network of its own through pasta or slirp4netns
  --stop-signal SIG
                 signal asking PID 1 to shut down (default: the one its
                 program wants, see below)
  --stop-timeout SECS
                 seconds before everything is killed (default: 30)
  -h, --help     show this help and exit
  -V, --version  show the version and exit

Options stop at the first non-option. Maps as for pseudo(1).

By default the container's console is a new pseudo-terminal: contain
relays its own terminal to it, or its output to a pipe or file, and gives
input that is not a terminal to CMD as it is.

SIGTERM, SIGHUP, and SIGINT unless a terminal is relayed to the console,
shut the container down: PID 1 gets the stop signal, and the container is
killed after the stop timeout or a second signal. The default stop signal
is SIGRTMIN+3 for systemd, SIGUSR2 for busybox init, SIGINT (their
ctrl-alt-del) for sysvinit and runit, and SIGTERM for other programs.

Exit status: PID 1's exit code, or 128+N if it was killed by signal N; 0
if the container halted or powered off, 129 if it rebooted (0 if it did
so while contain stopped it). 64: usage error, or DIR is missing or not a
directory; 125: contain failed; 126: CMD cannot be run; 127: CMD not
found in DIR; a failing -i or -o command's status.
`;
