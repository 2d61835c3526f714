/** The --help text; man/inject.1 says the same. */
export const HELP = `Usage: inject [OPTIONS] NAME|PID [CMD [ARG]...]
Run CMD (default: the user's shell in the container's /etc/passwd) inside
the running container called NAME (see contain --list), or whose contain
process, or PID 1, has host pid PID, as its root or the user given with -u.

Options:
  -e VAR=VALUE   set VAR in CMD's environment (repeatable)
  -u USER[:GROUP]
                 run as USER (and GROUP) of the container: names from its
                 /etc/passwd and /etc/group, or numbers (default: root)
  -w DIR         working directory (default: the user's home, else /)
  -h, --help     show this help and exit
  -V, --version  show the version and exit

Options stop at the first non-option: inject NAME ls -l passes -l to ls.

inject joins the container's user namespace, becomes its root, then joins
its cgroup, IPC, network, PID, time, UTS and mount namespaces, except those
it shares with the caller, takes its root, and forks so that CMD is in the
container's PID namespace, where it becomes the user.

CMD gets the environment of the container's PID 1 (its PATH, where CMD is
looked up), the caller's TERM, and HOME, USER, LOGNAME and SHELL of the
user, then the -e settings; nothing else of the caller's. It gets the
caller's stdin, stdout and stderr, but a pseudo-terminal of the
container's own, relayed to the caller's, in place of each that is a
terminal, and of all three when stdin is one.

SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1 and SIGUSR2 sent to inject are
passed on to CMD. When CMD stops, inject stops too, as a job of the
caller's shell: fg continues both. If inject is killed, CMD is killed.

inject refuses to run setuid or setgid.

Exit status: CMD's exit code, or 128+N if it was killed by signal N.
64: usage error; 125: inject failed, e.g. PID is not a container's;
126: CMD cannot be run; 127: CMD not found in the container.
`;
