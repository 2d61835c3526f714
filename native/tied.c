/* Starting a helper that must not outlive its caller (pasta, slirp4netns):
 * a child of the calling thread that the kernel kills when that thread
 * ends. contain calls this on Node's main thread and later execs the
 * supervisor on the same thread, so the helper dies with the supervisor,
 * however that ends. glibc's posix_spawn() cannot set a death signal:
 * this is clone, prctl and exec, async-signal-safe in between. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define MAX_FDS 8

/* fds[i] becomes fd i; every other fd closes at exec. */
static void place_fds(int report_fd, const int32_t *fds, int32_t count) {
  int high[MAX_FDS];

  /* Out of the way first, so that no fd is overwritten before it moves. */
  for (int i = 0; i < count; i++)
    if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
      fail(report_fd, "pass a file descriptor");
  /* dup2() leaves the copy without close-on-exec. */
  for (int i = 0; i < count; i++)
    if (dup2(high[i], i) < 0)
      fail(report_fd, "pass a file descriptor");
  if (syscall(SYS_close_range, count, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = count; fd < 1024; fd++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static _Noreturn void run(const char *path, const char *const *argv, const char *const *envp,
                          const int32_t *fds, int32_t count, int32_t deathsig, int32_t flags,
                          pid_t parent, int report_fd) {
  reset_signals();
  /* Above every fd we place, so that placing them cannot close it. */
  report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, 64 + MAX_FDS);
  if (prctl(PR_SET_PDEATHSIG, deathsig) < 0)
    fail(report_fd, "set the death signal");
  /* The parent died before the death signal was set: nobody will end us. */
  if (getppid() != parent)
    _exit(125);
  /* A session of its own: Ctrl-C at the caller's terminal is no signal
   * for the helper, whose end is the supervisor's business. */
  setsid();
  place_fds(report_fd, fds, count);
  /* Before the exec, so that it is ours once the caller goes on. */
  if (flags & CT_TIED_CTTY && ioctl(0, TIOCSCTTY, 0) < 0)
    fail(report_fd, "take the terminal");
  unblock_signals();
  execve(path, (char *const *) argv, (char *const *) envp);
  report(report_fd, "exec", errno, 0);
  _exit(127);
}

int ct_start_tied(const char *path, const char *const *argv, const char *const *envp,
                  const int32_t *fds, int32_t count, int32_t deathsig, int32_t flags) {
  struct ct_report record;
  sigset_t all, saved;
  pid_t parent = getpid();
  int report_pipe[2], status;
  long pid, got;

  if (count < 0 || count > MAX_FDS)
    return -EINVAL;
  if (pipe2(report_pipe, O_CLOEXEC) < 0)
    return -errno;
  /* No signal handler of Node's may run in the child before it resets
   * them: block everything across the clone. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid = clone_child(0);
  if (pid == 0) {
    close(report_pipe[0]);
    run(path, argv, envp, fds, count, deathsig, flags, parent, report_pipe[1]);
  }
  status = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  close(report_pipe[1]);
  if (pid < 0) {
    close(report_pipe[0]);
    return -status;
  }
  /* End of file: the exec succeeded. A record: it did not, and why. */
  do
    got = read(report_pipe[0], &record, sizeof record);
  while (got < 0 && errno == EINTR);
  close(report_pipe[0]);
  if (got != (long) sizeof record)
    return pid;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    continue;
  return -(record.error ? record.error : ECHILD);
}
