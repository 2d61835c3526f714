/* Pseudo-terminals for the console, and making one a child's terminal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include "child.h"

int ct_openpty(int32_t fds[2], char *name, size_t size) {
  int master, slave;

  master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return -errno;
  if (grantpt(master) < 0 || unlockpt(master) < 0
      || ptsname_r(master, name, size) != 0)
    goto fail;
  slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    goto fail;
  fds[0] = master;
  fds[1] = slave;
  return 0;
fail:
  close(master);
  return -errno;
}

int ct_isatty(int32_t fd) {
  return isatty(fd);
}

int ct_foreground(int32_t fd) {
  return isatty(fd) && tcgetpgrp(fd) == getpgrp();
}

int ct_copy_winsize(int32_t from, int32_t to) {
  struct winsize size;

  if (ioctl(from, TIOCGWINSZ, &size) < 0)
    return -errno;
  return ioctl(to, TIOCSWINSZ, &size) < 0 ? -errno : 0;
}

int ct_set_winsize(int32_t fd, int32_t rows, int32_t cols) {
  struct winsize size = { .ws_row = rows, .ws_col = cols };

  return ioctl(fd, TIOCSWINSZ, &size) < 0 ? -errno : 0;
}

int ct_set_console_mode(int32_t fd, int32_t echo, int32_t post) {
  struct termios mode;

  if (tcgetattr(fd, &mode) < 0)
    return -errno;
  if (!echo)
    mode.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL);
  if (!post)
    mode.c_oflag &= ~OPOST;
  return tcsetattr(fd, TCSANOW, &mode) < 0 ? -errno : 0;
}

void take_console(int report_fd, int console, int new_session, int stdio, int ctty) {
  /* A new session has no controlling terminal, so nothing inside can
   * push input into the caller's terminal with TIOCSTI. */
  if ((new_session || console >= 0) && setsid() < 0)
    fail(report_fd, "setsid");
  if (console < 0)
    return;
  /* An init has the console as stdio but, as on a real machine, not as
   * its controlling terminal: a stray Ctrl-C is no ctrl-alt-del. */
  if (ctty && ioctl(console, TIOCSCTTY, 0) < 0)
    fail(report_fd, "make the console the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if ((stdio & 1 << fd) && dup2(console, fd) < 0)
      fail(report_fd, "attach the console to stdio");
}
