/* Holding signals for Node's main thread. The kernel gives a signal sent
 * to the process to any thread that does not block it, and Node's other
 * threads block nothing: a signal blocked on the main thread alone would
 * still be taken by one of them, by its default action or a handler of
 * Node's. So each held signal gets a handler that sends it on to the main
 * thread, where it stays pending until that thread takes it. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hold.h"

static pid_t main_thread;

static void pass_to_main(int signal) {
  int saved = errno;

  syscall(SYS_tgkill, getpid(), main_thread, signal);
  errno = saved;
}

int hold_signals(const sigset_t *set, struct sigaction *saved, sigset_t *mask) {
  /* SA_RESTART: the handler runs on Node's threads, fewer of whose calls
   * should fail with EINTR because of us. */
  struct sigaction action = { .sa_handler = pass_to_main, .sa_flags = SA_RESTART };
  struct sigaction own[NSIG], *previous = saved ? saved : own;
  sigset_t before;

  main_thread = gettid();
  pthread_sigmask(SIG_BLOCK, set, &before);
  for (int signal = 1; signal < NSIG; signal++)
    if (sigismember(set, signal) == 1 && sigaction(signal, &action, &previous[signal]) < 0) {
      int error = errno;

      /* Undone as far as it went, so that a failure holds nothing. */
      while (--signal > 0)
        if (sigismember(set, signal) == 1)
          sigaction(signal, &previous[signal], NULL);
      pthread_sigmask(SIG_SETMASK, &before, NULL);
      return -error;
    }
  if (mask)
    *mask = before;
  return 0;
}

void release_signals(const sigset_t *set, const struct sigaction *saved, const sigset_t *mask) {
  for (int signal = 1; signal < NSIG; signal++)
    if (sigismember(set, signal) == 1)
      sigaction(signal, &saved[signal], NULL);
  pthread_sigmask(SIG_SETMASK, mask, NULL);
}
