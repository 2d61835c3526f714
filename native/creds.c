/* Becoming root of a user namespace once its maps are written. */
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

int become_root(int setgroups) {
  /* Raw syscalls: glibc's set*id wrappers signal every thread the parent
   * had, which no longer exist in this child, and would hang. */
  if (setgroups && syscall(SYS_setgroups, 0, NULL) < 0)
    return -1;
  /* Group before user: once the uid changes we may lose the right to. */
  if (syscall(SYS_setresgid, 0, 0, 0) < 0)
    return -1;
  return syscall(SYS_setresuid, 0, 0, 0) < 0 ? -1 : 0;
}
