/* Signals as bytes on a pipe, for the programs' poll loops: the handler
 * only writes the signal's number, the loop acts on it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include "supervisor.h"

static int pipe_fds[2] = { -1, -1 };

static void caught(int signal) {
  unsigned char byte = signal;
  int saved = errno;

  if (write(pipe_fds[1], &byte, 1) < 0)
    (void) 0;
  errno = saved;
}

int signal_pipe(void) {
  if (pipe_fds[0] < 0 && pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
    return -1;
  return pipe_fds[0];
}

void catch_signal(int signal) {
  /* No SA_RESTART: a signal ends a blocked write to a slow client. */
  struct sigaction action = { .sa_handler = caught };

  sigaction(signal, &action, NULL);
}

int next_signal(void) {
  unsigned char signal;

  return read(pipe_fds[0], &signal, 1) == 1 ? signal : 0;
}
