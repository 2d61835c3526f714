/* Running a command inside the namespaces of a running container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <termios.h>
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

static int open_ptmx(const char *path) {
  /* No magic link such as /proc/N/fd/0: only the container's own ptmx,
   * never a terminal of the host that an fd of ours points at. */
  struct open_how how = {
    .flags = O_RDWR | O_NOCTTY | O_CLOEXEC,
    .resolve = RESOLVE_NO_MAGICLINKS,
  };

  return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

/* A pty of the container's own devpts, so that tty, ps and who inside
 * know it: the master and a slave go to the caller, the slave stays. */
static int open_container_pty(const struct ct_join_config *config, int report_fd) {
  int master, fds[2], unlock = 0, number;

  master = open_ptmx("/dev/pts/ptmx");
  if (master < 0 && errno == ENOENT)
    master = open_ptmx("/dev/ptmx");
  if (master < 0 || ioctl(master, TIOCGPTN, &number) < 0)
    fail_path(report_fd, "open a pseudo-terminal in the container", "/dev/pts/ptmx");
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
    fail_path(report_fd, "unlock a pseudo-terminal in the container", "/dev/pts/ptmx");
  fds[0] = master;
  fds[1] = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fds[1] < 0)
    fail(report_fd, "open the slave of a pseudo-terminal in the container");
  /* The terminal is its user's, as login would make it; a devpts that
   * will not (the uid is unmapped there) leaves it root's. */
  if (config->uid != 0 && fchown(fds[1], config->uid, -1) < 0)
    errno = 0;
  if (send_fds(config->pty_socket, fds, 2) < 0)
    fail(report_fd, "pass the pseudo-terminal to inject");
  close(master);
  return fds[1];
}

static void enter_dir(const struct ct_join_config *config, int report_fd) {
  if (!config->dir || chdir(config->dir) == 0)
    return;
  if (!config->dir_fallback)
    fail_path(report_fd, "enter the working directory", config->dir);
  if (chdir("/") < 0)
    fail(report_fd, "chdir /");
}

static long fork_sibling(void) {
  /* clone3() wants no exit signal with CLONE_PARENT: the child gets
   * ours, SIGCHLD, and our parent is the one to wait for it. */
  struct clone_args args = { .flags = CLONE_PARENT };

  return syscall(SYS_clone3, &args, sizeof args);
}

static _Noreturn void run_command(const struct ct_join_config *config,
                                  int go_fd, int report_fd, int pty) {
  /* A session of its own, with no controlling terminal but the pty if
   * there is one: even behind /dev/tty, the caller's terminal refuses
   * TIOCSTI. The pty replaces each of stdio that is a terminal, so none
   * of the caller's reaches the container, where a process left running
   * could read it after inject has exited. */
  take_console(report_fd, pty, 1, config->pty_stdio, 1);
  if (become_user(config) < 0)
    fail(report_fd, "become the user in the container");
  /* As that user: a directory it may not enter is not entered. */
  enter_dir(config, report_fd);
  /* Last, as a change of credentials clears the death signal. */
  watch_parent(go_fd, config->deathsig);
  exec_command(report_fd, config->file, config->search_path,
               config->argv, config->envp);
}

static void joiner(const void *opaque, int go_fd, int report_fd) {
  const struct ct_join_config *config = opaque;
  int pty = -1;
  long pid;

  reset_signals();
  /* Until exec, nothing in the container may open this process's
   * /proc/PID/exe, a host binary (CVE-2019-5736); exec resets it. */
  if (prctl(PR_SET_DUMPABLE, 0) < 0)
    fail(report_fd, "make the process non-dumpable");
  await_go(go_fd);
  join_namespaces(config, report_fd);
  if (config->pty_socket >= 0) {
    pty = open_container_pty(config, report_fd);
    /* The caller sets the pty up before the command may see it. */
    await_go(go_fd);
  }
  /* Only children enter the PID and time namespaces: fork once more, as
   * a child of the caller (CLONE_PARENT) so that it can wait for CMD. */
  pid = fork_sibling();
  if (pid < 0)
    fail(report_fd, "fork into the PID namespace");
  if (pid == 0)
    run_command(config, go_fd, report_fd, pty);
  report(report_fd, "started", 0, pid);
  _exit(0);
}

int ct_join(const struct ct_join_config *config, struct ct_child *result) {
  /* No new namespaces: the child joins the container's. */
  return start_child(0, joiner, config, result);
}
