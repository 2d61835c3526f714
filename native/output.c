/* Where console output goes: a client's terminal, pipe or file. A slow
 * reader must never block the supervisor, which still has signals and a
 * stop timeout to act on, so terminals and pipes are reopened as a new
 * open file of our own, non-blocking without touching the caller's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "supervisor.h"

/* Which of our output fds are sockets, written with send() instead. */
static unsigned char sockets[1024];

int open_output(int fd) {
  char path[64];
  struct stat status;
  int copy;

  if (fstat(fd, &status) < 0)
    return -1;
  if (S_ISCHR(status.st_mode) || S_ISFIFO(status.st_mode)) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    copy = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (copy >= 0)
      return copy;
  }
  /* Files never block for long; a socket gets MSG_DONTWAIT per write. */
  copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy >= 0 && copy < (int) sizeof sockets)
    sockets[copy] = S_ISSOCK(status.st_mode);
  return copy;
}

long write_output(int fd, const char *data, size_t size) {
  if (fd >= 0 && fd < (int) sizeof sockets && sockets[fd])
    return send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
  return write(fd, data, size);
}
