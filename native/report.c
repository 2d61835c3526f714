/* How a child tells its parent which step failed. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "child.h"

void report(int fd, const char *step, int error, int status) {
  struct ct_report record = { .error = error, .status = status };
  size_t length = strlen(step);

  if (length >= sizeof record.step)
    length = sizeof record.step - 1;
  memcpy(record.step, step, length);
  while (write(fd, &record, sizeof record) < 0 && errno == EINTR)
    continue;
}

_Noreturn void fail(int fd, const char *step) {
  report(fd, step, errno, 0);
  _exit(126);
}
