/* contain-init: the PID 1 of `contain --init`. It runs from a sealed
 * memfd copy, never a host file, with CMD already started as PID 2
 * (argv[1] is its pid). A PID 1 gets no default signal actions, so it
 * takes every signal and passes it on to CMD, reaps every orphan, and
 * ends as CMD ends. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(int argc, char **argv) {
  pid_t command = argc > 1 ? (pid_t) atoi(argv[1]) : 0, pid;
  sigset_t all;
  int status;

  if (command <= 0)
    return 125;
  /* Blocked, every signal is queued for us even as a PID 1, and waits
   * for sigwaitinfo() without a race against the reaping. */
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (;;) {
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == command)
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (pid < 0)
      return 125;
    int signal = sigwaitinfo(&all, NULL);
    if (signal > 0 && signal != SIGCHLD)
      kill(command, signal);
  }
}
