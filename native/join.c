/* Running a command inside the namespaces of a running container. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

static void join_namespaces(const struct ct_join_config *config, int report_fd) {
  /* The user namespace first: it grants the rights to join the rest. */
  if (config->user_fd >= 0) {
    if (setns(config->user_fd, CLONE_NEWUSER) < 0)
      fail(report_fd, "join the user namespace");
    /* setns() gave us every capability in it, but they would be lost
     * at exec() for any uid but its root: become that root. */
    if (become_root(config->setgroups) < 0)
      fail(report_fd, "become root in the user namespace");
  }
  for (int i = 0; i < 7 && config->ns_fds[i] >= 0; i++)
    if (setns(config->ns_fds[i], 0) < 0)
      fail(report_fd, "join a namespace");
  /* Joining the mount namespace moved us to its root; take the
   * container's own root, which may be a pivoted subtree. */
  if (fchdir(config->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
    fail(report_fd, "enter the container's root");
}

static long fork_sibling(void) {
  /* clone3() wants no exit signal with CLONE_PARENT: the child gets
   * ours, SIGCHLD, and our parent is the one to wait for it. */
  struct clone_args args = { .flags = CLONE_PARENT };

  return syscall(SYS_clone3, &args, sizeof args);
}

static void joiner(const void *opaque, int go_fd, int report_fd) {
  const struct ct_join_config *config = opaque;
  long pid;

  reset_signals();
  /* Until exec, nothing in the container may open this process's
   * /proc/PID/exe, a host binary (CVE-2019-5736); exec resets it. */
  if (prctl(PR_SET_DUMPABLE, 0) < 0)
    fail(report_fd, "make the process non-dumpable");
  await_go(go_fd);
  join_namespaces(config, report_fd);
  /* Only children enter the PID and time namespaces: fork once more, as
   * a child of the caller (CLONE_PARENT) so that it can wait for CMD. */
  pid = fork_sibling();
  if (pid < 0)
    fail(report_fd, "fork into the PID namespace");
  if (pid == 0) {
    /* A session of its own, with no controlling terminal but the pty
     * if there is one: even with the caller's terminal as stdout or
     * behind /dev/tty, TIOCSTI into it is refused. */
    take_terminal(report_fd, config->console, 1);
    exec_command(report_fd, config->file, config->search_path,
                 config->argv, config->envp);
  }
  report(report_fd, "started", 0, pid);
  _exit(0);
}

int ct_join(const struct ct_join_config *config, struct ct_child *result) {
  /* No new namespaces: the child joins the container's. */
  return start_child(0, joiner, config, result);
}
