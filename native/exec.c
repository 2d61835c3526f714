/* The last steps before exec(): a clean signal state, only fds 0-2, and a
 * PATH search that reports why the command could not run (explain.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

void reset_signals(void) {
  struct sigaction action = { .sa_handler = SIG_DFL }, ignore = { .sa_handler = SIG_IGN };

  /* A Ctrl-Z that came while we were blocked since the clone would stop
   * us once unblocked, before exec(), with our parent waiting for the
   * exec: ignored for a moment, a pending stop signal is discarded. */
  sigaction(SIGTSTP, &ignore, NULL);
  sigaction(SIGTTIN, &ignore, NULL);
  sigaction(SIGTTOU, &ignore, NULL);
  /* Node ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored
   * across exec(): give the command the defaults it expects. */
  for (int signal = 1; signal < _NSIG; signal++)
    sigaction(signal, &action, NULL);
}

void unblock_signals(void) {
  sigset_t none;

  sigemptyset(&none);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, _NSIG / 8);
}

void prepare_fds(int report_fd, const int32_t *keep_fds) {
  /* Only fds 0-2 may reach the command, and those it is to get as it was
   * given them (under pseudo, which is no sandbox); the report pipe
   * closes on exec so that the parent sees end of file when exec()
   * succeeds. */
  if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    for (int fd = 3; fd < 1024; fd++)
      fcntl(fd, F_SETFD, FD_CLOEXEC);
  /* Node marks 0-2 close-on-exec at start-up, and the fds it inherits. */
  for (int fd = 0; fd < 3; fd++)
    fcntl(fd, F_SETFD, 0);
  for (int i = 0; keep_fds && keep_fds[i] >= 0; i++)
    if (keep_fds[i] > 2 && keep_fds[i] != report_fd)
      fcntl(keep_fds[i], F_SETFD, 0);
}

/* The first candidate of a PATH search that exists, and why it failed,
 * for explain_exec(): static, as nothing may be allocated here. */
static char found[PATH_MAX];
static int found_error;

static void remember(const char *candidate, int error) {
  struct stat status;

  /* A directory in PATH is no command, as a shell sees it. */
  if (stat(candidate, &status) == 0 && S_ISDIR(status.st_mode))
    return;
  if (!found[0] && lstat(candidate, &status) == 0) {
    memcpy(found, candidate, strlen(candidate) + 1);
    found_error = error;
  }
}

/* At most this many arguments for the shell's extra two: they are on the
 * child's stack, which is 1 MiB (spawn.c). */
#define SCRIPT_ARGS_MAX 16384

/* A NUL in a file's first line makes it no script, as bash judges it: an
 * ELF file of another machine, say, whose exec format error is the
 * answer, where a shell would print its bytes as an unknown command. */
static int binary_file(const char *file) {
  char start[128];
  int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  ssize_t got = fd < 0 ? -1 : read(fd, start, sizeof start);

  if (fd >= 0)
    close(fd);
  for (ssize_t i = 0; i < got && start[i] != '\n'; i++)
    if (start[i] == 0)
      return 1;
  return 0;
}

/* A file the kernel cannot run (ENOEXEC) is a script without #!: /bin/sh
 * runs it, as execvp() and every shell do, so that a command runs here
 * as it would run on the host. If the shell cannot, the file's own error
 * is the one to report. */
static void exec_file(const char *file, const char *const *argv, const char *const *envp) {
  size_t count = 0;

  execve(file, (char *const *) argv, (char *const *) envp);
  if (errno != ENOEXEC)
    return;
  while (argv[count])
    count++;
  if (count > SCRIPT_ARGS_MAX || binary_file(file)) {
    errno = ENOEXEC;
    return;
  }
  {
    const char *shell[count + 3];

    shell[0] = "/bin/sh";
    shell[1] = file;
    for (size_t i = 1; i <= count; i++)
      shell[i + 1] = argv[i];
    if (count == 0)
      shell[2] = NULL;
    execve(shell[0], (char *const *) shell, (char *const *) envp);
  }
  errno = ENOEXEC;
}

static void exec_in_path(const char *file, const char *path,
                         const char *const *argv, const char *const *envp) {
  char candidate[PATH_MAX];
  size_t length = strlen(file);

  for (const char *dir = path;; dir++) {
    const char *end = strchrnul(dir, ':'), *start = dir;
    size_t size = end - dir;

    /* An empty entry means the current directory, as in execvp(). */
    if (size == 0)
      start = ".", size = 1;
    if (size + length + 2 <= sizeof candidate) {
      memcpy(candidate, start, size);
      candidate[size] = '/';
      memcpy(candidate + size + 1, file, length + 1);
      exec_file(candidate, argv, envp);
      /* ENOENT also comes from a file whose interpreter is missing, and
       * EACCES from a directory we may not search is no verdict on the
       * command: go on, but remember the first file that exists. Any
       * other error is the verdict on the file found. */
      if (errno != EACCES && errno != ENOENT && errno != ENOTDIR) {
        found_error = errno;
        memcpy(found, candidate, strlen(candidate) + 1);
        return;
      }
      remember(candidate, errno);
    }
    if (*end == 0)
      break;
    dir = end;
  }
  errno = found[0] ? found_error : ENOENT;
}

_Noreturn void exec_command_fds(int report_fd, const int32_t *keep_fds, const char *file,
                                const char *path, const char *const *argv,
                                const char *const *envp) {
  prepare_fds(report_fd, keep_fds);
  unblock_signals();
  if (strchr(file, '/') || !path) {
    exec_file(file, argv, envp);
    found_error = errno;
    memcpy(found, file, strnlen(file, sizeof found - 1));
    found[sizeof found - 1] = 0;
  } else {
    exec_in_path(file, path, argv, envp);
  }
  /* A start that fails here leaves nothing it created (give_up). */
  give_up(explain_exec(report_fd, found[0] ? found : NULL, found[0] ? found_error : errno));
}

_Noreturn void exec_command(int report_fd, const char *file, const char *path,
                            const char *const *argv, const char *const *envp) {
  exec_command_fds(report_fd, NULL, file, path, argv, envp);
}
