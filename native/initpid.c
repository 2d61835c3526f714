/* --init: CMD runs as PID 2 under contain-init, which PID 1 execs from a
 * sealed in-memory copy: /proc/1/exe shows no host file that the
 * container's root could open or write. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

int open_init_program(const struct ct_spawn_config *config, int report_fd) {
  int fd;

  if (!config->init_program)
    return -1;
  /* Opened before pivot_root, while the host's file is still in reach. */
  fd = open(config->init_program, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    fail_path(report_fd, "open the init program", config->init_program);
  return fd;
}

static int sealed_copy(int program) {
  struct stat status;
  int copy = syscall(SYS_memfd_create, "contain-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  off_t offset = 0;

  if (copy < 0 || fstat(program, &status) < 0)
    return -1;
  while (offset < status.st_size)
    if (sendfile(copy, program, &offset, status.st_size - offset) <= 0)
      return -1;
  if (fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
    return -1;
  return copy;
}

static char *decimal(char *end, long value) {
  *--end = 0;
  do
    *--end = '0' + value % 10;
  while (value /= 10);
  return end;
}

_Noreturn void exec_under_init(const struct ct_spawn_config *config, int report_fd, int program) {
  static char digits[24];
  const char *argv[] = { "init", NULL, NULL };
  int exec_done[2];
  long pid;
  int copy;
  char byte;

  /* Closed on exec: its end of file tells CMD that PID 1 runs the init,
   * no longer a copy of contain's process image, which no code of the
   * container may see. */
  if (pipe2(exec_done, O_CLOEXEC) < 0)
    fail(report_fd, "start the command under the init");
  pid = clone_child(0);
  if (pid < 0)
    fail(report_fd, "start the command under the init");
  if (pid == 0) {
    close(exec_done[1]);
    while (read(exec_done[0], &byte, 1) < 0 && errno == EINTR)
      continue;
    /* CMD's own process group is the console's foreground, so Ctrl-C
     * reaches CMD and not the init. Signals are blocked until exec, so
     * taking the foreground raises no SIGTTOU. */
    setpgid(0, 0);
    if (config->console >= 0)
      tcsetpgrp(0, getpid());
    exec_command(report_fd, config->file, config->search_path, config->argv, config->envp);
  }
  close(exec_done[0]);
  /* The init is the container's too: nothing of our caller's but 0-2. */
  prepare_fds(report_fd, NULL);
  copy = sealed_copy(program);
  argv[1] = decimal(digits + sizeof digits, pid);
  /* CMD's environment: /proc/1/environ is what inject finds a container
   * by (container=contain) and gives its command. */
  if (copy >= 0)
    syscall(SYS_execveat, copy, "", argv, config->envp, AT_EMPTY_PATH);
  kill(pid, 9);
  fail(report_fd, "run the init");
}
