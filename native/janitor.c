/* The janitor: a fork of the supervisor that waits for it to end, however
 * it ends, and then removes what the supervisor would have removed if it
 * still could (SIGKILL), so that no entry outlives its container. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "supervisor.h"

/* Whether fd is the same file as mine. */
static int same_file(int fd, int mine) {
  struct stat a, b;

  return fstat(fd, &a) == 0 && fstat(mine, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The lock of the file at path, taken at once, while path still names
 * that file (not one put in its place meanwhile), and only if it is the
 * file mine is open on (mine -1: any); -1 if it is gone, replaced or
 * another, and -1 with errno EWOULDBLOCK if someone holds it. */
static int try_lock(const char *path, int mine) {
  struct stat opened, named;
  int lock = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

  if (lock < 0)
    return -1;
  if (mine >= 0 && !same_file(lock, mine)) {
    close(lock);
    errno = ESTALE;
    return -1;
  }
  if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
    close(lock);
    errno = EWOULDBLOCK;
    return -1;
  }
  if (fstat(lock, &opened) == 0 && stat(path, &named) == 0 && opened.st_ino == named.st_ino)
    return lock;
  close(lock);
  errno = ESTALE;
  return -1;
}

/* The entry's lock, the file mine is open on, if we can take it within a
 * second: others (contain --list) take it for a moment too. Gone: the
 * supervisor removed everything itself, or contain swept it; another
 * file: a later start took the name, and the entry is its own. */
static int take_lock(const char *path, int mine) {
  for (int attempt = 0; attempt < 50; attempt++) {
    int lock = try_lock(path, mine);

    if (lock >= 0 || errno != EWOULDBLOCK)
      return lock;
    usleep(20000);
  }
  return -1;
}

/* A root's lock, which a new container may have claimed since the
 * supervisor died: removed only while we hold it, so that no claim is
 * lost to an unlink (a claimer that opened it meanwhile finds it gone
 * and makes another). */
static void remove_if_free(const char *path) {
  int lock = try_lock(path, -1);

  if (lock < 0)
    return;
  unlink(path);
  close(lock);
}

/* mine: the entry's lock file as the supervisor started, kept open so
 * that its inode cannot be reused. Once the supervisor has removed its
 * entry, a new start may take the name and make a lock of its own, which
 * it has not locked yet: that entry is not ours to sweep. */
static void sweep(const struct config *config, int mine) {
  if (take_lock(config->lock, mine) < 0)
    return;
  for (int i = 0; i < config->remove_count; i++) {
    if (config->remove_if_free[i])
      remove_if_free(config->remove[i]);
    else if (unlink(config->remove[i]) < 0 && errno == EISDIR)
      rmdir(config->remove[i]);
  }
}

static void become_janitor(int watch, int mine, char *title) {
  static const int quiet[] = { SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH };
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  sigset_t none;

  /* Nothing of the supervisor's: above all not its locks, which must
   * die with it. */
  for (int fd = 0; fd < 3 && null >= 0; fd++)
    dup2(null, fd);
  /* Out of the way first: either may be 3 or 4 already. */
  watch = fcntl(watch, F_DUPFD_CLOEXEC, 64);
  mine = fcntl(mine, F_DUPFD_CLOEXEC, 64);
  if (watch < 0 || mine < 0 || dup2(watch, 3) < 0 || dup2(mine, 4) < 0)
    _exit(1);
  syscall(SYS_close_range, 5, ~0U, 0);
  /* A session of its own: a kill of the caller's job (kill -KILL %1),
   * which takes the supervisor's process group, must leave the one that
   * cleans up after it. */
  setsid();
  for (size_t i = 0; i < sizeof quiet / sizeof *quiet; i++)
    signal(quiet[i], SIG_IGN);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* Not "contain": pgrep contain finds the supervisor alone. */
  prctl(PR_SET_NAME, "janitor");
  if (title)
    memcpy(title, "janitor", strlen(title) < 7 ? strlen(title) : 7);
}

static _Noreturn void janitor(const struct config *config, int watch, int mine, char *title) {
  char byte;

  become_janitor(watch, mine, title);
  while (read(3, &byte, 1) < 0 && errno == EINTR)
    continue;
  sweep(config, 4);
  _exit(0);
}

void start_janitor(const struct config *config, char *title) {
  int pipes[2], mine;
  pid_t middle;

  /* Opened here, before the supervisor can end and remove its entry, so
   * that it is the supervisor's lock and no later start's. */
  if (!config->lock || (mine = open(config->lock, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
    return;
  if (pipe2(pipes, O_CLOEXEC) < 0) {
    close(mine);
    return;
  }
  /* Forked twice, so that it is nobody's child of ours: PID 1 stays
   * contain's only child, as contain's callers may count on. */
  middle = fork();
  if (middle == 0) {
    close(pipes[1]);
    if (fork() == 0)
      janitor(config, pipes[0], mine, title);
    _exit(0);
  }
  /* Only we hold the write end: its end of file is our end. */
  close(pipes[0]);
  close(mine);
  if (middle < 0)
    close(pipes[1]);
  else
    waitpid(middle, NULL, 0);
}
