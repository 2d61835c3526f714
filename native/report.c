/* How a child tells its parent which step failed, and on which path. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "child.h"

static void copy(char *to, size_t size, const char *from) {
  size_t length = from ? strlen(from) : 0;

  if (length >= size)
    length = size - 1;
  memcpy(to, from ? from : "", length);
  to[length] = 0;
}

void report_path(int fd, const char *step, const char *path, int error, int status) {
  struct ct_report record = { .error = error, .status = status };

  copy(record.step, sizeof record.step, step);
  copy(record.path, sizeof record.path, path);
  /* One write below PIPE_BUF: records never interleave. */
  while (write(fd, &record, sizeof record) < 0 && errno == EINTR)
    continue;
}

void report(int fd, const char *step, int error, int status) {
  report_path(fd, step, NULL, error, status);
}

static void (*undo)(void);

void when_failing(void (*function)(void)) {
  undo = function;
}

_Noreturn void give_up(int status) {
  /* What this start created goes before we exit: the parent, which
   * reaps us after reading our report, finds nothing left. */
  if (undo)
    undo();
  _exit(status);
}

_Noreturn void fail_path(int fd, const char *step, const char *path) {
  report_path(fd, step, path, errno, 0);
  give_up(126);
}

_Noreturn void fail(int fd, const char *step) {
  fail_path(fd, step, NULL);
}
