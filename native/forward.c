/* A wrapper's wait for its command (pseudo): the signals it passes on are
 * held from before the command starts, so that one sent meanwhile waits
 * for the command instead of ending us, and are passed on while we wait.
 * Node's event loop has no part in it: its signal handles, timer and
 * promise cost each start of pseudo more than a millisecond of CPU. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include "containers.h"
#include "hold.h"

static sigset_t held;
static int32_t sends[NSIG];
static struct sigaction saved[NSIG];
static int holding;

int ct_forward_start(const int32_t *signals, const int32_t *send, int32_t count) {
  if (holding)
    return -EBUSY;
  for (int i = 0; i < count; i++)
    if (signals[i] <= 0 || signals[i] >= NSIG || signals[i] == SIGCHLD
        || send[i] < 0 || send[i] >= NSIG)
      return -EINVAL;
  sigemptyset(&held);
  /* Wakes the wait when the command ends or stops. */
  sigaddset(&held, SIGCHLD);
  for (int i = 0; i < count; i++) {
    sigaddset(&held, signals[i]);
    sends[signals[i]] = send[i];
  }
  /* Set first: ct_forward_stop() undoes a hold that failed half-way. */
  holding = 1;
  return hold_signals(&held, saved);
}

int ct_forward_wait(int32_t pid, int32_t *status) {
  if (!holding)
    return -EINVAL;
  for (;;) {
    siginfo_t info;
    int raw = 0, result = waitpid(pid, &raw, WNOHANG | WUNTRACED);

    if (result == pid) {
      *status = raw;
      return pid;
    }
    if (result < 0 && errno != EINTR)
      return -errno;
    if (result == 0 && sigwaitinfo(&held, &info) > 0
        && info.si_signo != SIGCHLD && sends[info.si_signo] > 0)
      kill(pid, sends[info.si_signo]);
  }
}

/* What was held for a command that never ran is dropped, as the command
 * would have dropped it, instead of ending us once Node has it back:
 * ignoring a signal discards it. Not SIGCHLD, which ignored would reap
 * our children for us. */
static void drop_pending(void) {
  struct sigaction ignore = { .sa_handler = SIG_IGN };

  for (int signal = 1; signal < NSIG; signal++)
    if (signal != SIGCHLD && sigismember(&held, signal) == 1)
      sigaction(signal, &ignore, NULL);
}

void ct_forward_stop(void) {
  if (!holding)
    return;
  holding = 0;
  drop_pending();
  release_signals(&held, saved);
  for (int signal = 0; signal < NSIG; signal++)
    sends[signal] = 0;
}
