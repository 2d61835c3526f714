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
  int32_t status;  /* wait status of a helper, or a pid for "started" */
  char step[56];   /* what was being done, e.g. "mount /proc" */
  char path[256];  /* the path it was done to, inside the container, or "" */
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
  const char *console_path; /* console slave to bind at /dev/console */
  int32_t bind_sys;         /* 1: bind the host /sys read-only (no new netns) */
  int32_t cgroup2;          /* 1: mount cgroup2 at /sys/fs/cgroup */
  const char *devpts_options; /* mount options of the new devpts instance */
  const char *hostname;     /* set in the new UTS namespace, NULL to keep */
  const char *init_command; /* run by /bin/sh -c in the new root before pivot */
  const char *const *helper_env;
  const char *file;         /* the command; searched in search_path without '/' */
  const char *search_path;
  const char *const *argv;
  const char *const *envp;
  const char *resolv_conf;  /* host file bound at /etc/resolv.conf, NULL for none */
};

/* What ct_join() does to run a command inside running namespaces. */
struct ct_join_config {
  int32_t user_fd;          /* /proc/PID/ns/user, -1 when shared */
  int32_t ns_fds[7];        /* other namespaces to join, -1 terminated */
  int32_t root_fd;          /* /proc/PID/root */
  int32_t setgroups;
  int32_t console;          /* slave fd, or -1 to keep the caller's stdio */
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

CT_EXPORT int ct_spawn(const struct ct_spawn_config *config, struct ct_child *child);
CT_EXPORT int ct_join(const struct ct_join_config *config, struct ct_child *child);
/* Starts a helper with its output on a pipe: returns its pid. */
CT_EXPORT int ct_run_helper(const char *path, const char *const *argv, int32_t *output_fd);
/* Starts a helper that the kernel kills with deathsig when the calling
 * thread ends, in a session of its own, with fds[i] as its fd i and no
 * other fd: returns its pid once it has exec'd (tied.c). */
CT_EXPORT int ct_start_tied(const char *path, const char *const *argv, const char *const *envp,
                            const int32_t *fds, int32_t count, int32_t deathsig);
CT_EXPORT int ct_waitpid(int32_t pid, int32_t *status, int32_t nohang);
CT_EXPORT int ct_openpty(int32_t fds[2], char *name, size_t size);
CT_EXPORT int ct_isatty(int32_t fd);
CT_EXPORT int ct_set_winsize(int32_t fd, int32_t rows, int32_t cols);
CT_EXPORT int ct_set_console_mode(int32_t fd, int32_t echo, int32_t post);
/* 1 if fd is a terminal whose foreground process group is ours. */
CT_EXPORT int ct_foreground(int32_t fd);
CT_EXPORT int ct_copy_winsize(int32_t from, int32_t to);
/* Locks that die with their holder (lock.c). */
CT_EXPORT int ct_flock(int32_t fd, int32_t operation);
/* Handing over to the supervisor program (handover.c): fds[i] becomes
 * 3 + i in it, everything else but 0-2 is closed. */
CT_EXPORT int ct_hold_signals(void);
CT_EXPORT int ct_pipe(int32_t fds[2]);
CT_EXPORT int ct_listen(const char *path);
CT_EXPORT int ct_exec(const char *path, const char *const *argv, const char *const *envp,
                      const int32_t *fds, int32_t count, int32_t null_stdio);

#endif
