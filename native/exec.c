/* The last steps before exec(): a clean signal state, only fds 0-2, and a
 * PATH search that reports why the command could not run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void reset_signals(void) {
  struct sigaction action = { .sa_handler = SIG_DFL };

  /* Node ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored
   * across exec(): give the command the defaults it expects. */
  for (int signal = 1; signal < _NSIG; signal++)
    sigaction(signal, &action, NULL);
}

void unblock_signals(void) {
  sigset_t none;

  sigemptyset(&none);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, _NSIG / 8);
}

static void keep_only_stdio(int report_fd) {
  /* Only fds 0-2 may reach the command; the report pipe closes on exec
   * so that the parent sees end of file when exec() succeeds. */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3; fd < 1024; fd++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  /* Node marks 0-2 close-on-exec at start-up. */
  for (int fd = 0; fd < 3; fd++)
    fcntl(fd, F_SETFD, 0);
  (void) report_fd;
}

static void exec_in_path(const char *file, const char *path,
                         const char *const *argv, const char *const *envp) {
  char candidate[PATH_MAX];
  size_t length = strlen(file);
  struct stat status;
  int denied = 0;

  for (const char *dir = path;; dir++) {
    const char *end = strchrnul(dir, ':'), *start = dir;
    size_t size = end - dir;

    /* An empty entry means the current directory, as in execvp(). */
    if (size == 0)
      start = ".", size = 1;
    if (size + length + 2 <= sizeof candidate) {
      memcpy(candidate, start, size);
      candidate[size] = '/';
      memcpy(candidate + size + 1, file, length + 1);
      execve(candidate, (char *const *) argv, (char *const *) envp);
      /* EACCES from a directory we may not search is no verdict on the
       * command; from an existing file it is. */
      if (errno == EACCES)
        denied |= stat(candidate, &status) == 0;
      else if (errno != ENOENT && errno != ENOTDIR)
        return;
    }
    if (*end == 0)
      break;
    dir = end;
  }
  errno = denied ? EACCES : ENOENT;
}

_Noreturn void exec_command(int report_fd, const char *file, const char *path,
                            const char *const *argv, const char *const *envp) {
  keep_only_stdio(report_fd);
  unblock_signals();
  if (strchr(file, '/') || !path)
    execve(file, (char *const *) argv, (char *const *) envp);
  else
    exec_in_path(file, path, argv, envp);
  report(report_fd, "exec", errno, 0);
  _exit(errno == ENOENT ? 127 : 126);
}
