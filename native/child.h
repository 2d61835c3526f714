/* Helpers shared by the code that runs in a cloned child. A child of a
 * multi-threaded process may only make async-signal-safe calls: no malloc,
 * no stdio, and raw syscalls where glibc would synchronise threads. */
#ifndef CHILD_H
#define CHILD_H

#include <stdint.h>
#include "containers.h"

/* clone3() with fork semantics (no new stack): returns like fork(). */
long clone_child(uint64_t flags);

/* What a started child runs; it must never return. */
typedef void (*child_main)(const void *config, int go_fd, int report_fd);

/* Clones a child running main(config, ...), with the pipes of struct
 * ct_child between us: it waits for a go byte and reports failures. */
int start_child(uint64_t flags, child_main main, const void *config,
                struct ct_child *result);

void report(int fd, const char *step, int error, int status);
void report_path(int fd, const char *step, const char *path, int error, int status);
_Noreturn void fail(int fd, const char *step);
_Noreturn void fail_path(int fd, const char *step, const char *path);
/* A failing start calls `undo` before it exits (give_up). */
void when_failing(void (*undo)(void));
_Noreturn void give_up(int status);
void await_go(int go_fd);
void watch_parent(int go_fd, int deathsig);

/* Pieces carved from one mapping at next; with next NULL, only measured
 * into size (arena.c). */
struct arena {
  char *next;
  size_t size;
};
void *take(struct arena *arena, size_t size);
/* A deep copy of from in arena, or NULL when only measuring. */
const struct ct_spawn_config *copy_config(struct arena *arena,
                                          const struct ct_spawn_config *from);

int become_root(int setgroups);
int become_user(const struct ct_join_config *config);
void reset_signals(void);
void unblock_signals(void);
/* Only 0-2 (and keep_fds) stay open across exec. */
void prepare_fds(int report_fd, const int32_t *keep_fds);
/* The console (if console >= 0) becomes the fds of stdio, bit N for fd N. */
#define CT_STDIO_ALL 7
void take_console(int report_fd, int console, int new_session, int stdio, int ctty);
_Noreturn void exec_command(int report_fd, const char *file, const char *path,
                            const char *const *argv, const char *const *envp);
_Noreturn void exec_command_fds(int report_fd, const int32_t *keep_fds, const char *file,
                                const char *path, const char *const *argv,
                                const char *const *envp);
/* Reports why exec() of file failed with error; returns the exit status. */
int explain_exec(int report_fd, const char *file, int error);
int send_fds(int socket, const int *fds, int count);

void prepare_root(const struct ct_spawn_config *config, int report_fd);
void enter_root(const struct ct_spawn_config *config, int report_fd);
int open_init_program(const struct ct_spawn_config *config, int report_fd);
_Noreturn void exec_under_init(const struct ct_spawn_config *config, int report_fd, int program);
int loopback_up(void);


#endif
