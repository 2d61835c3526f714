/* Passing fds between processes: inject gets the master of a pty that a
 * child opened inside the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "child.h"

#define MAX_FDS 4

int ct_socketpair(int32_t fds[2]) {
  int pair[2];

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    return -errno;
  fds[0] = pair[0];
  fds[1] = pair[1];
  return 0;
}

int send_fds(int socket, const int *fds, int count) {
  char data = 'f', control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
  struct iovec io = { .iov_base = &data, .iov_len = 1 };
  struct msghdr message = {
    .msg_iov = &io, .msg_iovlen = 1,
    .msg_control = control, .msg_controllen = CMSG_SPACE(sizeof(int) * count),
  };
  struct cmsghdr *header;
  long result;

  if (count > MAX_FDS)
    return -1;
  memset(control, 0, sizeof control);
  header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * count);
  memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
  do
    result = sendmsg(socket, &message, MSG_NOSIGNAL);
  while (result < 0 && errno == EINTR);
  return result < 0 ? -1 : 0;
}

int ct_receive_fds(int32_t socket, int32_t *fds, int32_t max) {
  char data, control[CMSG_SPACE(sizeof(int) * MAX_FDS)];
  struct iovec io = { .iov_base = &data, .iov_len = 1 };
  struct msghdr message = {
    .msg_iov = &io, .msg_iovlen = 1,
    .msg_control = control, .msg_controllen = sizeof control,
  };
  struct cmsghdr *header;
  long result;
  int count = 0;

  do
    result = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
  while (result < 0 && errno == EINTR);
  if (result < 0)
    return -errno;
  for (header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
    int got[MAX_FDS];
    int n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);

    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
      continue;
    memcpy(got, CMSG_DATA(header), sizeof(int) * n);
    /* Whatever does not fit is closed, not leaked. */
    for (int i = 0; i < n; i++) {
      if (count < max)
        fds[count++] = got[i];
      else
        close(got[i]);
    }
  }
  return count;
}
