/* The native entry points: only what must run between clone() and exec().
 * Everything else (maps, options, errors, console relay, supervision) is
 * TypeScript; packages/core/src/native.ts declares each function below once. */
#ifndef CONTAINERS_H
#define CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

/* A child reports the step that failed, and why, on its error pipe and
 * exits; end of file on that pipe instead means exec() succeeded. */
struct ct_report {
  int32_t error;   /* errno of the failing call, 0 for a helper's status */
  int32_t status;  /* wait status of a helper, a pid for "started", or the
                    * 1-based index of the ct_mount a step was for */
  char step[56];   /* what was being done, e.g. "mount /proc" */
  char path[256];  /* the path it was done to, inside the container, or "" */
};

/* The status of an "exec" report: what is wrong with the file in its path
 * when execve() failed although the file exists. The kinds that name
 * something (an interpreter, a link's target) are followed by a second
 * record, step "exec detail", with that name in its path. */
#define CT_EXEC_ERROR 0              /* errno says it all */
#define CT_EXEC_ELF_INTERPRETER 1    /* its PT_INTERP is missing */
#define CT_EXEC_SCRIPT_INTERPRETER 2 /* its #! interpreter is missing */
#define CT_EXEC_DANGLING_LINK 3      /* a symbolic link to nothing */
#define CT_EXEC_DIRECTORY 4

/* What a container's file system is built from, DIR aside. */
enum ct_root_mode {
  CT_ROOT_DIR = 0,       /* DIR itself, writable */
  CT_ROOT_EPHEMERAL = 1, /* DIR under a throwaway layer on a tmpfs */
  CT_ROOT_READ_ONLY = 2, /* the same layer, made read-only before the pivot */
};

enum ct_mount_kind { CT_BIND = 1, CT_RO_BIND = 2, CT_TMPFS = 3 };

#define CT_MOUNT_DIR 1     /* the source is a directory, and so the mount point */
#define CT_MOUNT_ON_LINK 2 /* a link at target is covered, not followed */

/* A mount asked for (--bind, --ro-bind, --tmpfs, or by contain itself),
 * made after /dev, /proc and /sys, in order. */
struct ct_mount {
  int32_t kind;             /* enum ct_mount_kind */
  int32_t flags;            /* CT_MOUNT_* */
  uint32_t attrs;           /* MOUNT_ATTR_* of a tmpfs: ro, nosuid, ... */
  const char *source;       /* absolute host path; NULL for a tmpfs */
  const char *target;       /* absolute path in the container */
  const char *const *options; /* tmpfs options, KEY=VALUE or FLAG; NULL-terminated */
};

/* What ct_spawn() does in the child before exec(). */
struct ct_spawn_config {
  uint64_t clone_flags;     /* CLONE_NEW* namespaces to create */
  int32_t setgroups;        /* 1: drop supplementary groups (setgroups allowed) */
  int32_t new_session;      /* 1: setsid(), leaving the caller's terminal */
  int32_t console;          /* slave fd: controlling terminal and stdio; -1 none */
  int32_t keep_stdin;       /* 1: fd 0 stays ours, the console is only 1 and 2 */
  int32_t deathsig;         /* signal sent to the child when its parent dies */
  const char *root;         /* directory to become /, NULL to keep / */
  int32_t root_mode;        /* enum ct_root_mode */
  int32_t mount_count;
  const struct ct_mount *mounts;
  const char *console_path; /* console slave to bind at /dev/console */
  int32_t bind_sys;         /* 1: bind the host /sys read-only (no new netns) */
  int32_t cgroup2;          /* 1: mount cgroup2 at /sys/fs/cgroup */
  const char *devpts_options; /* mount options of the new devpts instance */
  const char *hostname;     /* set in the new UTS namespace, NULL to keep */
  const char *init_command; /* run by /bin/sh -c in the new root before pivot */
  const char *init_program; /* --init: contain-init, PID 1 with CMD as PID 2; NULL none */
  int32_t console_ctty;     /* 0: the console is stdio but not the controlling terminal */
  const char *const *helper_env;
  const char *file;         /* the command; searched in search_path without '/' */
  const char *search_path;
  const char *const *argv;
  const char *const *envp;
  const int32_t *keep_fds;  /* fds above 2 it gets too, -1 ending; NULL: none */
};

/* What ct_join() does to run a command inside running namespaces. */
struct ct_join_config {
  int32_t user_fd;          /* /proc/PID/ns/user, -1 when shared */
  int32_t ns_fds[7];        /* other namespaces to join, -1 terminated */
  int32_t root_fd;          /* /proc/PID/root */
  int32_t setgroups;
  /* A socket to send a new pty of the container's (master, then slave)
   * on, before waiting for a second go byte; the command gets the slave
   * as the fds of pty_stdio (bit N: fd N). -1: it keeps the caller's stdio. */
  int32_t pty_socket;
  int32_t pty_stdio;
  uint32_t uid, gid;        /* the command's credentials in the container */
  int32_t ngroups;          /* its supplementary groups (setgroups only) */
  const uint32_t *groups;
  const char *dir;          /* its working directory */
  int32_t dir_fallback;     /* 1: / when dir cannot be entered */
  int32_t deathsig;         /* sent to the command if the caller dies */
  const char *file;
  const char *search_path;
  const char *const *argv;
  const char *const *envp;
};

/* The parent's side of a started child. */
struct ct_child {
  int32_t pid;
  int32_t go_fd;    /* write one byte to let the child go on; close to abort */
  int32_t report_fd;/* read ct_report records; end of file after exec() */
};

#define CT_EXPORT __attribute__((visibility("default")))

/* A fingerprint of this header and supervisor.h, for the bindings to check
 * that they were written against the same (abi.c). */
CT_EXPORT const char *ct_abi(void);

CT_EXPORT int ct_spawn(const struct ct_spawn_config *config, struct ct_child *child);
/* Lets the child of ct_spawn() go on (the go byte) and reads its reports
 * into records (at most size bytes) until end of file, its exec or end:
 * returns the bytes read, or -errno. */
CT_EXPORT int ct_spawn_go(int32_t go_fd, int32_t report_fd, uint8_t *records, int32_t size);
/* Frees what ct_spawn() lent its child, once it has exec'd or ended:
 * after end of file on its report pipe, or once it is reaped. */
CT_EXPORT void ct_spawn_release(void);
CT_EXPORT int ct_join(const struct ct_join_config *config, struct ct_child *child);
/* Starts a helper with its output on a pipe: returns its pid. */
CT_EXPORT int ct_run_helper(const char *path, const char *const *argv, int32_t *output_fd);
/* flags: CT_WAIT_NOHANG, CT_WAIT_STOPPED (report a stop as well). */
#define CT_WAIT_NOHANG 1
#define CT_WAIT_STOPPED 2
CT_EXPORT int ct_waitpid(int32_t pid, int32_t *status, int32_t flags);
/* A wrapper's command and its signals (forward.c): from
 * ct_forward_start() on (which holds nothing if it fails), each of
 * signals[] waits, pending, for ct_forward_wait(), which passes it on to
 * child pid as send[i] (0: not at all) while it waits for pid to end or
 * stop, and returns pid with its wait status. ct_forward_stop() drops
 * what is still pending and gives the signals back to Node. */
CT_EXPORT int ct_forward_start(const int32_t *signals, const int32_t *send, int32_t count);
CT_EXPORT int ct_forward_wait(int32_t pid, int32_t *status);
CT_EXPORT void ct_forward_stop(void);
/* Starts a helper that the kernel kills with deathsig when the calling
 * thread ends, in a session of its own, with fds[i] as its fd i and no
 * other fd: returns its pid once it has exec'd (tied.c). */
#define CT_TIED_CTTY 1      /* make fd 0 its controlling terminal */
CT_EXPORT int ct_start_tied(const char *path, const char *const *argv, const char *const *envp,
                            const int32_t *fds, int32_t count, int32_t deathsig, int32_t flags);
CT_EXPORT int ct_openpty(int32_t fds[2], char *name, size_t size);
/* Ends this process at once with code, or by signal (if > 0). */
CT_EXPORT void ct_exit_like(int32_t code, int32_t signal);
CT_EXPORT int ct_isatty(int32_t fd);
CT_EXPORT int ct_set_winsize(int32_t fd, int32_t rows, int32_t cols);
CT_EXPORT int ct_set_console_mode(int32_t fd, int32_t echo, int32_t post);
/* 1 if fd is a terminal whose foreground process group is ours. */
CT_EXPORT int ct_foreground(int32_t fd);
CT_EXPORT int ct_copy_winsize(int32_t from, int32_t to);
/* Locks that die with their holder (lock.c). */
CT_EXPORT int ct_flock(int32_t fd, int32_t operation);
/* Handing over to the supervisor program (handover.c): stop requests
 * (SIGTERM, SIGHUP, and SIGINT if interrupt) counted from the start, then
 * held for it, which gives the count or -errno; fds[i] becomes 3 + i in
 * it, everything else but 0-2 is closed. */
CT_EXPORT int ct_count_requests(int32_t interrupt);
CT_EXPORT void ct_uncount_requests(void);
CT_EXPORT int ct_hold_signals(void);
CT_EXPORT int ct_pipe(int32_t fds[2]);
CT_EXPORT int ct_listen(const char *path);
CT_EXPORT int ct_exec(const char *path, const char *const *argv, const char *const *envp,
                      const int32_t *fds, int32_t count, int32_t null_stdio);
/* The caller's terminal fully raw (output processing off too), and back. */
CT_EXPORT int ct_tty_raw(int32_t fd);
CT_EXPORT int ct_tty_restore(void);
/* Stops this process as child pid was stopped (by signal), so that its
 * caller's shell sees the job stop; once continued, gives the terminal
 * tty (or -1) back to the child's process group and continues it.
 * Returns 1 without stopping if the child goes on within grace_ms. */
CT_EXPORT int ct_stop_like(int32_t pid, int32_t signal, int32_t tty, int32_t grace_ms);
/* Opens path read-only resolved inside the directory root_fd, as if it
 * were /: no symbolic link or .. leads out of it. */
CT_EXPORT int ct_open_in_root(int32_t root_fd, const char *path);
CT_EXPORT int ct_socketpair(int32_t fds[2]);
/* The fds of process pid (0: this one) as "FD\0TARGET\0" pairs, TARGET
 * what /proc/PID/fd/FD links to; returns the bytes written, or -errno
 * (-ENOBUFS: size is too small). */
CT_EXPORT int ct_fd_links(int32_t pid, uint8_t *out, size_t size);
/* Receives up to max fds sent with SCM_RIGHTS; returns how many. */
CT_EXPORT int ct_receive_fds(int32_t socket, int32_t *fds, int32_t max);
/* File system calls (files.c), each returning -errno on failure. The
 * status of a file: mode, uid, gid, dev, ino, size and mtime (ms). */
#define CT_STATUS_FIELDS 7
CT_EXPORT int ct_stat(const char *path, int32_t nofollow, double out[CT_STATUS_FIELDS]);
CT_EXPORT int ct_fstat(int32_t fd, double out[CT_STATUS_FIELDS]);
/* O_CLOEXEC is added to flags. */
CT_EXPORT int ct_open(const char *path, int32_t flags, int32_t mode);
CT_EXPORT int ct_close(int32_t fd);
CT_EXPORT int ct_read(int32_t fd, uint8_t *buffer, int32_t size);
/* Writes all of each text of the NULL-ended texts, each followed by its
 * NUL if nul is 1. */
CT_EXPORT int ct_write(int32_t fd, const char *const *texts, int32_t nul);
CT_EXPORT int ct_mkdir(const char *path, int32_t mode);
CT_EXPORT int ct_rename(const char *from, const char *to);
CT_EXPORT int ct_access(const char *path, int32_t mode);
/* A link's target, or the path with every link resolved: NULL with
 * *error set on failure; valid until the next call of either. */
CT_EXPORT const char *ct_readlink(const char *path, int32_t *error);
CT_EXPORT const char *ct_realpath(const char *path, int32_t *error);

#endif
