/** The --help text; man/pseudo.1 and the README say the same. */
export const HELP = `Usage: pseudo [OPTIONS] [CMD [ARG]...]
Run CMD (or $SHELL, or /bin/sh) as root in a new user namespace, with the
caller's subordinate uids and gids mapped above root.

Options:
  -u MAP         map uids as START:LOWER:COUNT[,START:LOWER:COUNT]...:
                 container uids START to START+COUNT-1 are host uids LOWER
                 to LOWER+COUNT-1
  -g MAP         map gids in the same way
  -h, --help     show this help and exit
  -V, --version  show the version and exit

Options stop at the first non-option: pseudo ls -l passes -l to ls.

CMD gets the caller's environment, with /usr/local/sbin, /usr/sbin and
/sbin added to PATH where it lacks them, and every file descriptor pseudo
was given, not only 0-2: pseudo is no sandbox, and a make jobserver works
through it.

Default maps: container id 0 is the caller's uid (gid); container ids
1, 2, ... are the caller's ranges in /etc/subuid (/etc/subgid), in file
order, written with newuidmap (newgidmap). Without the helpers or a range,
only 0 is mapped and setgroups is denied, and pseudo says so, with the
command that adds a range, unless -u or -g is given. Run by root,
container 0 is the highest id (4294967294 on the host) and every other id
but 0 maps onto itself.

Signals: TERM, HUP, INT, QUIT, TSTP, USR1 and USR2 sent to pseudo are
passed on to CMD; INT, QUIT and TSTP only when stdin is not a terminal, as
the terminal sends Ctrl-C, Ctrl-\\ and Ctrl-Z to CMD itself. When CMD
stops, pseudo stops too: fg continues both.

Exit status: CMD's own; if CMD is killed by a signal, pseudo kills itself
with the same signal. 64: usage error; 125: pseudo failed; 126: CMD cannot
be run; 127: CMD not found.
`;
