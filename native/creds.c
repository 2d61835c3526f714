/* Becoming root of a user namespace once its maps are written, and then
 * another user of it. */
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

int become_root(int setgroups) {
  /* Raw syscalls: glibc's set*id wrappers act on every thread of the
   * list in our memory, Node's. A forked child would wait forever for
   * threads it does not have; a child sharing Node's memory (ct_spawn)
   * would change the credentials of Node's own. */
  if (setgroups && syscall(SYS_setgroups, 0, NULL) < 0)
    return -1;
  /* Group before user: once the uid changes we may lose the right to. */
  if (syscall(SYS_setresgid, 0, 0, 0) < 0)
    return -1;
  return syscall(SYS_setresuid, 0, 0, 0) < 0 ? -1 : 0;
}

int become_user(const struct ct_join_config *config) {
  /* Groups first, then the gid, then the uid: each step needs the
   * privilege the next one gives up. A uid other than 0 loses every
   * capability, so nothing is left to undo this. */
  if (config->setgroups
      && syscall(SYS_setgroups, config->ngroups, config->groups) < 0)
    return -1;
  if (syscall(SYS_setresgid, config->gid, config->gid, config->gid) < 0)
    return -1;
  return syscall(SYS_setresuid, config->uid, config->uid, config->uid) < 0 ? -1 : 0;
}
