/* Starting a child in new namespaces, held until its parent has written
 * its id maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

long clone_child(uint64_t flags) {
  struct clone_args args = { .flags = flags, .exit_signal = SIGCHLD };

  /* clone3() because CLONE_NEWTIME does not fit clone()'s flags; with no
   * stack given it returns twice like fork(), on a copy of this stack. */
  return syscall(SYS_clone3, &args, sizeof args);
}

static int make_pipes(int go[2], int report[2]) {
  /* Close-on-exec, so that no other child of Node inherits them. */
  if (pipe2(go, O_CLOEXEC) < 0)
    return -errno;
  if (pipe2(report, O_CLOEXEC) < 0) {
    int error = errno;
    close(go[0]), close(go[1]);
    return -error;
  }
  return 0;
}

static void finish_parent(struct ct_child *child, long pid, int go[2], int report[2]) {
  close(go[0]);
  close(report[1]);
  child->pid = pid;
  child->go_fd = go[1];
  child->report_fd = report[0];
}

void await_go(int go_fd) {
  char go;
  long result;

  do
    result = read(go_fd, &go, 1);
  while (result < 0 && errno == EINTR);
  /* End of file: the parent gave up (a map failed) or died. */
  if (result != 1)
    _exit(125);
}

void watch_parent(int go_fd, int deathsig) {
  struct pollfd hangup = { .fd = go_fd, .events = 0 };

  if (!deathsig)
    return;
  prctl(PR_SET_PDEATHSIG, deathsig);
  /* The parent holds go_fd open until exec: a hang-up now means it died
   * before PR_SET_PDEATHSIG could take effect. */
  if (poll(&hangup, 1, 0) > 0 && (hangup.revents & POLLHUP))
    _exit(125);
}

/* The kernel checks CAP_SYS_RAWIO only against the host's user namespace:
 * a container's root never has it in effect. Out of the bounding set, it
 * tells what boots there as much, as other container managers do: systemd
 * then skips the debugfs and tracefs mounts that no user namespace may
 * make, where it would fail them. */
static void drop_rawio(int report_fd) {
  if (prctl(PR_CAPBSET_DROP, CAP_SYS_RAWIO, 0, 0, 0) < 0)
    fail(report_fd, "drop CAP_SYS_RAWIO from the bounding set");
}

static void child(const void *opaque, int go_fd, int report_fd) {
  const struct ct_spawn_config *config = opaque;
  int init_program;

  reset_signals();
  await_go(go_fd);
  /* Before become_root(): what is mounted in the container is the
   * caller's to open (a bind source, a generated resolv.conf), and may be
   * out of container root's reach, as when contain runs as root. */
  if (config->root)
    prepare_root(config, report_fd);
  if (become_root(config->setgroups) < 0)
    fail(report_fd, "become root in the user namespace");
  /* After become_root(): a change of credentials clears the death signal. */
  watch_parent(go_fd, config->deathsig);
  if (config->hostname && sethostname(config->hostname, strlen(config->hostname)) < 0)
    fail(report_fd, "set the hostname");
  if ((config->clone_flags & CLONE_NEWNET) && loopback_up() < 0)
    fail(report_fd, "bring up lo");
  init_program = open_init_program(config, report_fd);
  if (config->root) {
    enter_root(config, report_fd);
    drop_rawio(report_fd);
  }
  take_console(report_fd, config->console, config->new_session, config->keep_stdin,
               config->console_ctty);
  if (init_program >= 0)
    exec_under_init(config, report_fd, init_program);
  exec_command_fds(report_fd, config->keep_fds, config->file, config->search_path,
                   config->argv, config->envp);
}

int start_child(uint64_t flags, child_main main, const void *config,
                struct ct_child *result) {
  sigset_t all, saved;
  int go[2], report[2], error;
  long pid;

  if ((error = make_pipes(go, report)) < 0)
    return error;
  /* No signal handler of Node's may run in the child before it resets
   * them: block everything across the clone. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid = clone_child(flags);
  if (pid == 0) {
    close(go[1]);
    close(report[0]);
    main(config, go[0], report[1]);
    _exit(125);
  }
  error = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (pid < 0) {
    close(go[0]), close(go[1]), close(report[0]), close(report[1]);
    return -error;
  }
  finish_parent(result, pid, go, report);
  return 0;
}

int ct_spawn(const struct ct_spawn_config *config, struct ct_child *result) {
  return start_child(config->clone_flags, child, config, result);
}
