/* Signals held for Node's main thread (hold.c), for what takes them there:
 * the supervisor contain execs, or a wrapper's wait for its command. */
#ifndef HOLD_H
#define HOLD_H

#include <signal.h>

/* Blocks set on the calling thread and sends each signal of it that
 * another thread gets to this one, where it waits, pending. saved (NSIG
 * entries) and mask, each NULL or not, get the dispositions and the mask
 * this replaced. On failure nothing is held. */
int hold_signals(const sigset_t *set, struct sigaction *saved, sigset_t *mask);
/* Puts back what hold_signals() saved: one still pending is then
 * delivered as it would have been before. */
void release_signals(const sigset_t *set, const struct sigaction *saved, const sigset_t *mask);

#endif
