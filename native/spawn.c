/* Starting a child in new namespaces, held until its parent has written
 * its id maps: PID 1 of contain, pseudo's command. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

long clone_child(uint64_t flags) {
  struct clone_args args = { .flags = flags, .exit_signal = SIGCHLD };

  /* Not glibc's fork(), whose handlers take locks that a thread of Node
   * may hold: with no stack given, clone3() returns twice like fork(), on
   * a copy of this stack. */
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

  /* Nothing before the go byte: until then Node runs on, and a failing
   * call here would set errno, which this child shares with Node's main
   * thread (see start_in_our_memory). */
  await_go(go_fd);
  /* Until exec we are Node, in Node's memory: nothing in the container
   * (the -i command) may open our /proc/PID/exe, a host binary, or
   * /proc/PID/mem, Node's live memory. The flag is the memory's, so Node
   * has it too until ct_spawn_release(). */
  if (prctl(PR_SET_DUMPABLE, 0) < 0)
    fail(report_fd, "make the process non-dumpable");
  reset_signals();
  /* clone() has no room for CLONE_NEWTIME among its flags: the child
   * enters the namespace at exec, its children at fork. */
  if ((config->clone_flags & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) < 0)
    fail(report_fd, "create a time namespace");
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
  /* Input that is not a terminal is passed as it is: a canonical-mode
   * console would cut long lines and act on control bytes. */
  take_console(report_fd, config->console, config->new_session,
               config->keep_stdin ? CT_STDIO_ALL & ~1 : CT_STDIO_ALL, config->console_ctty);
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

/* The child's stack and its copy of the orders, lent from our memory
 * until it has exec'd or ended (ct_spawn_release). */
static struct { void *base; size_t size; int dumpable; } lent;

#define CHILD_STACK (1 << 20)

struct start {
  const struct ct_spawn_config *config;
  int go[2], report[2];
};

static int run_child(void *opaque) {
  struct start *start = opaque;

  /* Our fd table is a copy: the parent's ends must close here too, or we
   * would never see end of file on the go pipe. */
  close(start->go[1]);
  close(start->report[0]);
  child(start->config, start->go[0], start->report[1]);
  _exit(125);
}

/* The child shares our memory until its exec (CLONE_VM), on a stack of
 * its own: a copy of Node's address space, as fork() makes, costs more
 * than all the child does (the page tables copied, then a fault at each
 * page Node writes to). What it reads is copied first, since koffi reuses
 * the memory of a call's arguments once the call returns. It shares
 * errno with Node's main thread too: it makes no call until the go byte,
 * and Node waits for its end of file after that. */
static int start_in_our_memory(const struct ct_spawn_config *config, int go[2], int report[2]) {
  struct arena arena = { 0 };
  struct start *start;
  sigset_t all, saved;
  char *base;
  long pid;
  int error;

  copy_config(&arena, config);
  take(&arena, sizeof *start);
  lent.size = CHILD_STACK + arena.size;
  base = mmap(NULL, lent.size, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (base == MAP_FAILED)
    return -errno;
  lent.base = base;
  lent.dumpable = prctl(PR_GET_DUMPABLE);
  /* A guard page below the stack: an overflow faults instead of writing
   * over whatever of Node's is mapped beneath. */
  if (mprotect(base, (size_t) sysconf(_SC_PAGESIZE), PROT_NONE) < 0) {
    error = errno;
    ct_spawn_release();
    return -error;
  }
  arena = (struct arena) { .next = base + CHILD_STACK };
  start = take(&arena, sizeof *start);
  *start = (struct start) { copy_config(&arena, config), { go[0], go[1] }, { report[0], report[1] } };
  /* No signal handler of Node's may run in the child: it resets them
   * once it goes on, and unblocks them only at exec. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pid = clone(run_child, base + CHILD_STACK,
              (config->clone_flags & ~(uint64_t) CLONE_NEWTIME) | CLONE_VM | SIGCHLD, start);
  error = errno;
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  if (pid < 0) {
    ct_spawn_release();
    return -error;
  }
  return pid;
}

int ct_spawn(const struct ct_spawn_config *config, struct ct_child *result) {
  int go[2], report[2], error;
  long pid;

  if (lent.base)
    return -EBUSY;
  if ((error = make_pipes(go, report)) < 0)
    return error;
  pid = start_in_our_memory(config, go, report);
  if (pid < 0) {
    close(go[0]), close(go[1]), close(report[0]), close(report[1]);
    return pid;
  }
  finish_parent(result, pid, go, report);
  return 0;
}

static int32_t read_reports(int report_fd, uint8_t *records, int32_t size) {
  char rest[sizeof(struct ct_report)];
  int32_t got = 0;
  long n;

  for (;;) {
    n = got < size ? read(report_fd, records + got, (size_t) (size - got)) : read(report_fd, rest, sizeof rest);
    if (n == 0)
      return got;
    if (n < 0 && errno != EINTR)
      return -errno;
    if (n > 0 && got < size)
      got += (int32_t) n;
  }
}

int ct_spawn_go(int32_t go_fd, int32_t report_fd, uint8_t *records, int32_t size) {
  sigset_t all, saved;
  char go = 'g';
  int32_t got;

  /* From here until its exec the child looks at errno, which it shares
   * with this thread: nothing of Node's may run on it, as libuv clears
   * errno before each of its calls and a signal handler puts back what
   * it found; nothing here sets errno but on failure. Signals wait for
   * Node's other threads, or until we are done. A child that is gone
   * (EPIPE) has reported why, or is reaped as any end of it is. */
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  if (write(go_fd, &go, 1) < 0 && errno != EPIPE)
    got = -errno;
  else
    got = read_reports(report_fd, records, size);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  return got;
}

void ct_spawn_release(void) {
  if (!lent.base)
    return;
  munmap(lent.base, lent.size);
  lent.base = NULL;
  /* The child made our shared memory non-dumpable: ours alone again. */
  if (lent.dumpable == 1)
    prctl(PR_SET_DUMPABLE, 1);
}
