/* The locks that say a container runs: held by its supervisor, released
 * by the kernel however the supervisor ends. */
#include <errno.h>
#include <sys/file.h>
#include "containers.h"

int ct_flock(int32_t fd, int32_t operation) {
  int result;

  do
    result = flock(fd, operation);
  while (result < 0 && errno == EINTR);
  return result < 0 ? -errno : 0;
}
