/* contain-init: the PID 1 of `contain --init`. It runs from a sealed
 * memfd copy, never a host file, with CMD already started as PID 2
 * (argv[1] is its pid). A PID 1 gets no default signal actions, so it
 * takes every signal and passes it on to CMD, reaps every orphan, and
 * ends as CMD ends.
 *
 * As `console-holder` (argv[0]) it is instead the session that has the
 * console of a known init as its controlling terminal, on the host, so
 * that the init cannot get it by opening /dev/console, which on a real
 * machine never makes a controlling terminal: a stray Ctrl-C at the
 * console is no ctrl-alt-del. It holds the terminal, not an open fd of
 * it, until it is told to go (SIGTERM) or its caller dies. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static _Noreturn void hold_console(void) {
  int null = open("/dev/null", O_RDWR);

  /* Not "contain": pgrep contain finds the supervisor alone. */
  prctl(PR_SET_NAME, "console-holder");
  for (int fd = 0; fd < 3 && null >= 0; fd++)
    dup2(null, fd);
  for (int signal = 1; signal < NSIG; signal++)
    if (signal != SIGTERM && signal != SIGKILL && signal != SIGSTOP)
      sigaction(signal, &(struct sigaction) { .sa_handler = SIG_IGN }, NULL);
  for (;;)
    pause();
}

/* Ctrl-Z at the console stops CMD, and no shell here would ever
 * continue it: the console would hang. Stopped otherwise, it stays so.
 * The whole of CMD's process group, the console's foreground, which the
 * Ctrl-Z stopped: a shell continued alone waits for its stopped child. */
static void resume_if_suspended(pid_t command, int stop_signal) {
  if (stop_signal == SIGTSTP)
    if (kill(-command, SIGCONT) < 0)
      kill(command, SIGCONT);
}

int main(int argc, char **argv) {
  pid_t command = argc > 1 ? (pid_t) atoi(argv[1]) : 0, pid;
  sigset_t all;
  int status;

  if (argc > 0 && !strcmp(argv[0], "console-holder"))
    hold_console();
  if (command <= 0)
    return 125;
  /* Blocked, every signal is queued for us even as a PID 1, and waits
   * for sigwaitinfo() without a race against the reaping. */
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (;;) {
    while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0)
      if (pid == command && WIFSTOPPED(status))
        resume_if_suspended(command, WSTOPSIG(status));
      else if (pid == command)
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (pid < 0)
      return 125;
    int signal = sigwaitinfo(&all, NULL);
    if (signal > 0 && signal != SIGCHLD)
      kill(command, signal);
  }
}
