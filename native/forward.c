/* A wrapper's wait for its command (pseudo): the signals it passes on are
 * held from before the command starts, so that one sent meanwhile waits
 * for the command instead of ending us, and are passed on while we wait.
 * Node's event loop has no part in it: its signal handles, timer and
 * promise cost each start of pseudo more than a millisecond of CPU. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <time.h>
#include "containers.h"
#include "hold.h"

static sigset_t held, mask;
static int32_t sends[NSIG];
static struct sigaction saved[NSIG];
static int holding;

int ct_forward_start(const int32_t *signals, const int32_t *send, int32_t count) {
  sigset_t set;
  int error;

  if (holding)
    return -EBUSY;
  sigemptyset(&set);
  /* Wakes the wait when the command ends or stops. */
  sigaddset(&set, SIGCHLD);
  for (int i = 0; i < count; i++)
    if (signals[i] == SIGCHLD || signals[i] == SIGKILL || signals[i] == SIGSTOP
        || send[i] < 0 || send[i] >= NSIG || sigaddset(&set, signals[i]) < 0)
      return -EINVAL;
  error = hold_signals(&set, saved, &mask);
  if (error < 0)
    return error;
  held = set;
  for (int i = 0; i < count; i++)
    sends[signals[i]] = send[i];
  holding = 1;
  return 0;
}

int ct_forward_wait(int32_t pid, int32_t *status) {
  /* A second at most between looks: should a handler of Node's take
   * SIGCHLD over meanwhile, the command's end is still seen. */
  static const struct timespec patience = { .tv_sec = 1 };

  /* Never waitpid(-1) or kill(-1): pid is one child of ours. */
  if (!holding || pid <= 0)
    return -EINVAL;
  for (;;) {
    siginfo_t info;
    int signal, result = ct_waitpid(pid, status, CT_WAIT_NOHANG | CT_WAIT_STOPPED);

    if (result != 0)
      return result;
    signal = sigtimedwait(&held, &info, &patience);
    if (signal < 0 && errno != EINTR && errno != EAGAIN)
      return -errno;
    if (signal > 0 && signal != SIGCHLD && sends[signal] > 0)
      kill(pid, sends[signal]);
  }
}

/* What was held for a command that never ran is dropped, not delivered
 * once Node has it back: pseudo then says why the start failed instead of
 * dying of a signal meant for the command. Ignoring a signal discards it;
 * not SIGCHLD, which ignored would reap our children for us. */
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
  release_signals(&held, saved, &mask);
  for (int signal = 0; signal < NSIG; signal++)
    sends[signal] = 0;
}
