/** The --help text; man/inject.1 says the same. */
export const HELP = `Usage: inject [OPTIONS] PID [CMD [ARG]...]
Run CMD (default: the caller's $SHELL if the container has it, else
/bin/sh) as root inside the running container whose contain process, or
PID 1, has host pid PID.

Options:
  -h, --help     show this help and exit
  -V, --version  show the version and exit

Options stop at the first non-option: inject PID ls -l passes -l to ls.

inject joins the container's user namespace, becomes its root, then joins
its cgroup, IPC, network, PID, time, UTS and mount namespaces, except those
it shares with the caller, takes its root and / as working directory, and
forks so that CMD is in the container's PID namespace.

CMD is looked up in the PATH of the container's PID 1. It gets the caller's
environment, stdin, stdout and stderr; when stdin is a terminal, CMD gets a
pseudo-terminal of its own, relayed to the caller's.

SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1 and SIGUSR2 sent to inject are
passed on to CMD.

inject refuses to run setuid or setgid.

Exit status: CMD's exit code, or 128+N if it was killed by signal N.
64: usage error; 125: inject failed, e.g. PID is not a container's;
126: CMD cannot be run; 127: CMD not found in the container.
`;
