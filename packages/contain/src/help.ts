/** The --help text; man/contain.1 and the README say the same. */
export const HELP = `Usage: contain [OPTIONS] DIR [CMD [ARG]...]
Run CMD (default /bin/sh) as PID 1 of a container with DIR as its root, in
new user, cgroup, mount, IPC, UTS, time, PID and network namespaces.

Options:
  -c, --no-console
                 no console: CMD gets contain's stdin, stdout and stderr
  -d, --detach   run in the background: print the container's name once
                 PID 1 runs; the console's output goes to its log
  -e, --env VAR=VALUE
                 set VAR for PID 1 (repeatable)
  -f, --file FILE
                 start the container FILE defines (see contain.ini(5))
  -g, --gid-map MAP
                 map gids as START:LOWER:COUNT[,START:LOWER:COUNT]...
  -i, --inside CMD
                 run /bin/sh -c CMD in the new namespaces, in DIR, before
                 pivoting into it
  -n             share the host's network namespace: --network host
  -o, --outside CMD
                 run /bin/sh -c CMD on the host once the namespaces exist,
                 with CONTAIN_PID set to the host pid of PID 1
  -p, --publish SPEC
                 publish a port, SPEC [HOSTIP:]HOSTPORT:PORT[/tcp|/udp]:
                 HOSTPORT on the host (on HOSTIP, default 0.0.0.0) reaches
                 PORT inside; needs --network pasta or slirp4netns
  -u, --uid-map MAP
                 map uids as START:LOWER:COUNT[,START:LOWER:COUNT]...
  --host-loopback
                 let the container reach the host's loopback through the
                 helper's address for the host (closed by default)
  --hostname NAME
                 the container's hostname (default: DIR/etc/hostname)
  --init         run CMD as PID 2 under a minimal init that reaps orphans
                 and passes every signal on to CMD
  --name NAME    the container's name (default: its definition's, or DIR's
                 name made unique); NAME.ini, if there is one, is its
                 definition unless -f names another
  --network MODE
                 none (default: only lo), host (the host's network), or a
                 network of its own through pasta or slirp4netns
  --bind SRC[:DST]
                 show the host file or directory SRC at DST (default:
                 the same path) in the container (repeatable)
  --ro-bind SRC[:DST]
                 the same, read-only, even for the container's root
  --tmpfs DST[:OPTIONS]
                 mount a new tmpfs at DST with mount(8) and tmpfs(5)
                 options such as size=64m,mode=1777 (repeatable)
  --read-only    make the root read-only; mounts in it stay as they are
  --ephemeral    keep every change to the root in a throwaway layer:
                 DIR is only read
  --stop-signal SIG
                 signal asking PID 1 to shut down (default: the one its
                 program wants, see below)
  --stop-timeout SECS
                 seconds before everything is killed (default: 30)
  --list         list your running containers (with --json, as JSON)
  --stop NAME    stop a running container as SIGTERM to its contain does,
                 and wait until it has ended
  --attach NAME  connect this terminal to a running container's console
  --log NAME     print what its console printed while nobody was attached
  -h, --help     show this help and exit
  -V, --version  show the version and exit

Options stop at the first non-option. Maps as for pseudo(1). Every option
but -f, -h, -V and those about running containers is also a key of a
container's definition, NAME.ini in ~/.config/contain or /etc/contain, or
FILE (contain.ini(5)); given a root there, every operand is CMD. A flag
that is a key is turned off as --no-FLAG, e.g. --no-detach over a
definition's detach = true; --console is the opposite of -c.

By default the container's console is a new pseudo-terminal: contain
relays its own terminal to it, or its output to a pipe or file, and gives
input that is not a terminal to CMD as it is. Ctrl-] pressed three times
within a second detaches the terminal: the container runs on in the
background, and contain --attach NAME returns to it; so does the
shell's fg when contain was started from it in the foreground.

Every running container has a name of its own, which contain --list
shows and inject(1) takes. A second container on the same DIR is
refused while the first runs, unless one of them is --read-only or
--ephemeral.

SIGTERM, SIGHUP, and SIGINT unless a terminal is relayed to the console,
shut the container down: PID 1 gets the stop signal, and the container is
killed after the stop timeout or a second signal. The default stop signal
is SIGRTMIN+3 for systemd, SIGUSR2 for busybox init, SIGINT (their
ctrl-alt-del) for sysvinit and runit, and SIGTERM for other programs.

Exit status: PID 1's exit code, or 128+N if it was killed by signal N; 0
if the container halted or powered off, 129 if it rebooted (0 if it did
so while contain stopped it); 0 when detached. 64: usage error, a bad
definition, DIR is missing, not a directory or not usable as a root, or
the name or DIR is taken by a running container; 125: contain failed, or
no running container has that name; 126: CMD cannot be run; 127: CMD not
found in DIR; a failing -i or -o command's status.
`;
