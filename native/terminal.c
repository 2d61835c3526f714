/* The caller's terminal while a tool relays a pty to it, and job control:
 * a command that stops stops the tool too, as the caller's shell expects
 * of a job, and `fg` continues both. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "containers.h"

/* The mode to restore; fd -1 when the terminal is not ours to restore. */
static struct termios saved;
static int raw_fd = -1;

static int set_mode(int fd, const struct termios *mode) {
  int result;

  do
    result = tcsetattr(fd, TCSADRAIN, mode);
  while (result < 0 && errno == EINTR);
  return result < 0 ? -errno : 0;
}

int ct_tty_raw(int32_t fd) {
  struct termios mode;
  int result;

  if (tcgetattr(fd, &saved) < 0)
    return -errno;
  mode = saved;
  /* cfmakeraw() but for the character size: no input translation, no
   * signals from keys, and no output processing, which Node's raw mode
   * leaves on: the relayed pty has already made each \n a \r\n. */
  cfmakeraw(&mode);
  mode.c_cflag = saved.c_cflag;
  mode.c_cc[VMIN] = 1;
  mode.c_cc[VTIME] = 0;
  result = set_mode(fd, &mode);
  if (result == 0)
    raw_fd = fd;
  return result;
}

int ct_tty_restore(void) {
  int fd = raw_fd;

  if (fd < 0)
    return 0;
  raw_fd = -1;
  return set_mode(fd, &saved);
}

/* Stops us by signal as its default action would, and returns once we
 * are continued: a handler Node may have for it is set aside meanwhile. */
static void stop_self(int signal) {
  struct sigaction ignore = { .sa_handler = SIG_IGN }, fallback = { .sa_handler = SIG_DFL }, previous;
  sigset_t only, mask;

  /* Ignored for a moment first, which discards one still pending: held
   * for the command (forward.c), the terminal's own Ctrl-Z would stop us
   * now, and our kill() below would stop us again once fg continued us. */
  if (signal != SIGSTOP && sigaction(signal, &ignore, &previous) < 0)
    signal = SIGSTOP;
  if (signal != SIGSTOP)
    sigaction(signal, &fallback, NULL);
  sigemptyset(&only);
  sigaddset(&only, signal);
  pthread_sigmask(SIG_UNBLOCK, &only, &mask);
  /* Sent to our main thread, which is this one, and not blocked: the
   * stop takes effect before kill() returns, and lasts until SIGCONT. */
  kill(getpid(), signal);
  pthread_sigmask(SIG_SETMASK, &mask, NULL);
  if (signal != SIGSTOP)
    sigaction(signal, &previous, NULL);
}

/* Whether pid is continued or ends within ms: killall5, as a shutdown
 * runs it, stops every process only while it signals them. */
static int goes_on(pid_t pid, int ms) {
  struct timespec step = { .tv_nsec = 10 * 1000 * 1000 };

  for (int waited = 0;; waited += 10) {
    siginfo_t info = { 0 };

    /* WNOWAIT: an end stays to be reaped by the caller's wait. */
    if (waitid(P_PID, pid, &info, WCONTINUED | WEXITED | WNOHANG | WNOWAIT) < 0
        || info.si_pid == pid)
      return 1;
    if (waited >= ms)
      return 0;
    nanosleep(&step, NULL);
  }
}

int ct_stop_like(int32_t pid, int32_t signal, int32_t tty, int32_t grace_ms) {
  pid_t group = getpgid(pid), own = getpgrp();
  int raw = raw_fd;

  if (goes_on(pid, grace_ms))
    return 1;
  /* The caller's shell gets its terminal back in the mode it gave us. */
  if (raw >= 0)
    ct_tty_restore();
  stop_self(signal);
  /* Continued: by fg if the terminal's foreground is our group now. A
   * command in a group of its own (a job-control shell) had the
   * terminal: give it back, with SIGTTOU blocked as we may be asked to
   * change it from the background for an instant. */
  if (tty >= 0 && group > 0 && group != own && tcgetpgrp(tty) == own) {
    sigset_t ttou, mask;

    sigemptyset(&ttou);
    sigaddset(&ttou, SIGTTOU);
    pthread_sigmask(SIG_BLOCK, &ttou, &mask);
    tcsetpgrp(tty, group);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
  }
  if (raw >= 0)
    ct_tty_raw(raw);
  if (group > 0 && group != own)
    kill(-group, SIGCONT);
  kill(pid, SIGCONT);
  return 0;
}
