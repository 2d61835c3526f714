/* Handing over to the supervisor program: contain's Node process execs
 * it once PID 1 runs, keeping its pid, so PID 1 stays its child and the
 * death signal of PID 1 still follows it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <string.h>
#include <unistd.h>
#include "containers.h"
#include "hold.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int ct_pipe(int32_t fds[2]) {
  int pair[2];

  if (pipe2(pair, O_CLOEXEC) < 0)
    return -errno;
  fds[0] = pair[0], fds[1] = pair[1];
  return 0;
}

int ct_listen(const char *path) {
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int sock;

  if (strlen(path) >= sizeof address.sun_path)
    return -ENAMETOOLONG;
  strcpy(address.sun_path, path);
  sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (sock < 0)
    return -errno;
  if (bind(sock, (struct sockaddr *) &address, sizeof address) < 0 || listen(sock, 4) < 0) {
    int error = errno;
    close(sock);
    return -error;
  }
  return sock;
}

static int place(const int32_t *fds, int32_t count, int32_t null_stdio) {
  int high[16];

  if (count > 16)
    return -EINVAL;
  /* Out of the way first, so that no fd is overwritten before it moves. */
  for (int i = 0; i < count; i++)
    if ((high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
      return -errno;
  for (int i = 0; i < count; i++)
    if (dup2(high[i], 3 + i) < 0)
      return -errno;
  if (null_stdio) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (null < 0)
      return -errno;
    for (int fd = 0; fd < 3; fd++)
      dup2(null, fd);
  }
  /* Node marks 0-2 close-on-exec at start-up. */
  for (int fd = 0; fd < 3; fd++)
    fcntl(fd, F_SETFD, 0);
  /* Nothing else of ours or of our caller's goes with us. */
  if (syscall(SYS_close_range, 3 + count, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3 + count; fd < 1024; fd++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  return 0;
}

static void request_signals(sigset_t *set) {
  sigemptyset(set);
  sigaddset(set, SIGTERM);
  sigaddset(set, SIGHUP);
  sigaddset(set, SIGINT);
  sigaddset(set, SIGCHLD);
  sigaddset(set, SIGWINCH);
}

/* Stop requests while contain starts, counted here rather than by Node:
 * its handlers report a signal only in a turn of its event loop, and the
 * count must be final before the exec. A handler of ours runs on
 * whichever of Node's threads the kernel picks. */
static int counted;

static void count_request(int signal) {
  (void) signal;
  __atomic_add_fetch(&counted, 1, __ATOMIC_SEQ_CST);
}

/* Not SIG_IGN, which children would inherit through their exec: a Ctrl-C
 * while a terminal is relayed is the container's, not a request. */
static void pass_over(int signal) {
  (void) signal;
}

void ct_uncount_requests(void) {
  struct sigaction fallback = { .sa_handler = SIG_DFL };

  sigaction(SIGTERM, &fallback, NULL);
  sigaction(SIGHUP, &fallback, NULL);
  sigaction(SIGINT, &fallback, NULL);
  __atomic_store_n(&counted, 0, __ATOMIC_SEQ_CST);
}

int ct_count_requests(int32_t interrupt) {
  struct sigaction count = { .sa_handler = count_request, .sa_flags = SA_RESTART };
  struct sigaction pass = { .sa_handler = pass_over, .sa_flags = SA_RESTART };

  if (sigaction(SIGTERM, &count, NULL) < 0 || sigaction(SIGHUP, &count, NULL) < 0
      || sigaction(SIGINT, interrupt ? &count : &pass, NULL) < 0) {
    int error = errno;

    ct_uncount_requests();
    return -error;
  }
  return 0;
}

int ct_hold_signals(void) {
  sigset_t set;
  int error;

  /* From here on a stop request waits, pending on this thread across the
   * exec, for the supervisor; those before it were counted. */
  request_signals(&set);
  if ((error = hold_signals(&set, NULL, NULL)) < 0)
    return error;
  return __atomic_load_n(&counted, __ATOMIC_SEQ_CST);
}

int ct_exec(const char *path, const char *const *argv, const char *const *envp,
            const int32_t *fds, int32_t count, int32_t null_stdio) {
  sigset_t requests, saved;
  int error;

  /* A stop request that comes during the exec stays pending for the
   * supervisor, which unblocks it, instead of killing us by default. */
  request_signals(&requests);
  pthread_sigmask(SIG_BLOCK, &requests, &saved);
  error = place(fds, count, null_stdio);
  if (error == 0) {
    execve(path, (char *const *) argv, (char *const *) envp);
    error = -errno;
  }
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  return error;
}
