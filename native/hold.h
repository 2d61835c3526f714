/* Signals held for Node's main thread (hold.c), for what takes them there:
 * the supervisor contain execs, or a wrapper's wait for its command. */
#ifndef HOLD_H
#define HOLD_H

#include <signal.h>

/* Blocks set on the calling thread and sends each signal of it that
 * another thread gets to this one, where it waits, pending. saved (NSIG
 * entries, or NULL) gets the dispositions this replaced. */
int hold_signals(const sigset_t *set, struct sigaction *saved);
/* Puts back what hold_signals() saved and unblocks set: one still
 * pending is then delivered as it would have been before. */
void release_signals(const sigset_t *set, const struct sigaction *saved);

#endif
