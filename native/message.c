/* Datagrams between the supervisor and an attach client, carrying the
 * client's terminal fds when it attaches. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "supervisor.h"

#define MAX_FDS 4

int send_message(int sock, const void *data, size_t size, const int *fds, int nfds) {
  char control[CMSG_SPACE(MAX_FDS * sizeof(int))] = { 0 };
  struct iovec part = { .iov_base = (void *) data, .iov_len = size };
  struct msghdr message = { .msg_iov = &part, .msg_iovlen = 1 };

  if (nfds > 0) {
    struct cmsghdr *header;

    message.msg_control = control;
    message.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    memcpy(CMSG_DATA(header), fds, nfds * sizeof(int));
  }
  while (sendmsg(sock, &message, MSG_NOSIGNAL) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

long recv_message(int sock, void *data, size_t size, int *fds, int *nfds) {
  char control[CMSG_SPACE(MAX_FDS * sizeof(int))];
  struct iovec part = { .iov_base = data, .iov_len = size };
  struct msghdr message = {
    .msg_iov = &part, .msg_iovlen = 1,
    .msg_control = control, .msg_controllen = sizeof control,
  };
  long length;

  *nfds = 0;
  do
    length = recvmsg(sock, &message, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  while (length < 0 && errno == EINTR);
  for (struct cmsghdr *h = CMSG_FIRSTHDR(&message); length >= 0 && h; h = CMSG_NXTHDR(&message, h))
    if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
      int count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);

      memcpy(fds, CMSG_DATA(h), count * sizeof(int));
      *nfds = count;
    }
  return length;
}
