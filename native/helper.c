/* Starting a setuid helper (newuidmap, newgidmap) without Node's
 * child_process, whose loading alone costs more than the helper's run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>
#include "containers.h"

static int prepare(posix_spawn_file_actions_t *actions, posix_spawnattr_t *attr, int error_fd) {
  sigset_t none, all;

  sigemptyset(&none);
  sigfillset(&all);
  /* Node ignores SIGPIPE; the helper should not inherit that. */
  if (posix_spawnattr_setsigmask(attr, &none)
      || posix_spawnattr_setsigdefault(attr, &all)
      || posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    return -1;
  if (posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0)
      || posix_spawn_file_actions_adddup2(actions, error_fd, 1)
      || posix_spawn_file_actions_adddup2(actions, error_fd, 2)
      /* A setuid helper gets nothing of ours or our caller's but 0-2. */
      || posix_spawn_file_actions_addclosefrom_np(actions, 3))
    return -1;
  return 0;
}

int ct_run_helper(const char *path, const char *const *argv, int32_t *output_fd) {
  const char *const envp[] = { NULL };
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int pipes[2], error;
  pid_t pid;

  if (pipe2(pipes, O_CLOEXEC) < 0)
    return -errno;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  error = prepare(&actions, &attr, pipes[1]) < 0 ? ENOMEM
    : posix_spawn(&pid, path, &actions, &attr, (char *const *) argv, (char *const *) envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(pipes[1]);
  if (error) {
    close(pipes[0]);
    return -error;
  }
  *output_fd = pipes[0];
  return pid;
}
