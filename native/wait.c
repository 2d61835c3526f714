/* Reaping one child by pid: never waitpid(-1), which would steal the
 * children that Node's child_process is waiting for. */
#include <errno.h>
#include <sys/wait.h>
#include "containers.h"

int ct_waitpid(int32_t pid, int32_t *status, int32_t flags) {
  int result, raw = 0;
  int options = (flags & CT_WAIT_NOHANG ? WNOHANG : 0)
    | (flags & CT_WAIT_STOPPED ? WUNTRACED : 0);

  do
    result = waitpid(pid, &raw, options);
  while (result < 0 && errno == EINTR);
  if (result < 0)
    return -errno;
  *status = raw;
  return result;
}
