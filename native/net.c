/* A new network namespace starts with lo down; bring it up as a booted
 * machine would have it. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "child.h"

int loopback_up(void) {
  struct ifreq request;
  int sock, result;

  sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return -1;
  memset(&request, 0, sizeof request);
  strcpy(request.ifr_name, "lo");
  result = ioctl(sock, SIOCGIFFLAGS, &request);
  if (result == 0) {
    request.ifr_flags |= IFF_UP;
    result = ioctl(sock, SIOCSIFFLAGS, &request);
  }
  close(sock);
  return result;
}
