/* The supervisor program (supervisor/contain) and the attach client
 * (attach/contain): what contain becomes once PID 1 has exec'd. The
 * policy (stop signals, statuses, names, what to remove) is decided in
 * TypeScript and arrives as data; these files only carry it out. */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <stddef.h>
#include <poll.h>
#include <sys/types.h>

#define MAX_LIST 32

struct stop_rule {
  const char *exe;    /* basename of /proc/PID/exe */
  const char *argv0;  /* basename of argv[0] (or argv[1] after "busybox"), "" for any */
  int signal;
};

struct config {
  const char *name;
  pid_t pid1;
  pid_t helpers[MAX_LIST];
  int helper_count;
  int stop_signal;                    /* 0: by the rules */
  struct stop_rule rules[MAX_LIST];
  int rule_count;
  int stop_default;
  long long stop_timeout_ms;
  int interrupt;                      /* SIGINT asks to stop */
  int requests;                       /* stop requests that came before us */
  int console;                        /* pty master, or -1 */
  int relay_input;                    /* fd 0 feeds the console */
  int raw;                            /* fd 0 is our terminal: make it raw */
  int raw_output;                     /* fd 1 is our terminal: no output processing */
  int attached;                       /* fds 0 and 1 are the console's client */
  const char *log;                    /* console log, used while nobody is attached */
  long long log_max;
  int listen;                         /* attach socket, or -1 */
  int status_halt, status_reboot, status_reboot_stopping;
  int escape, escape_count, escape_window_ms;
  const char *detach_message;
  const char *lock;                   /* the entry's lock, for the janitor */
  const char *remove[MAX_LIST];       /* removed at the end, in order */
  char remove_if_free[MAX_LIST];      /* 1: a lock another may claim once we are gone */
  int remove_count;
};

/* signals.c */
int signal_pipe(void);
void catch_signal(int signal);
int next_signal(void);

/* janitor.c */
void start_janitor(const struct config *config, char *title);

/* config.c */
int read_config(int fd, struct config *config);

/* term.c */
int term_raw(int fd, void *saved, size_t size);
void term_restore(int fd, const void *saved);
void copy_winsize(int from, int to);
int term_post_off(int fd, void *saved, size_t size);
int same_terminal(int a, int b);
size_t term_state_size(void);

/* message.c: datagrams on a SOCK_SEQPACKET socket, with fds attached */
int send_message(int sock, const void *data, size_t size, const int *fds, int nfds);
long recv_message(int sock, void *data, size_t size, int *fds, int *nfds);

/* consolelog.c */
struct console_log {
  const char *path;
  long long max;
  int fd;
  long long size;
};
void log_init(struct console_log *log, const char *path, long long max);
void log_write(struct console_log *log, const char *data, size_t size);
size_t log_tail(const char *path, char *buffer, size_t size);

/* output.c: writing to a client that may be slow, a pipe, a file */
int open_output(int fd);
long write_output(int fd, const char *data, size_t size);

/* stop.c */
int stop_signal_for(const struct config *config);
int exit_status(const struct config *config, int status, int stopping);

long long now_ms(void);

/* relay.c: the console and its one client at a time */
struct client {
  int in, out;       /* the client's input and (reopened) output, or -1 */
  int sock;          /* its attach connection; -1 for our own stdio */
  int raw;           /* we made `in` raw and restore it */
  char saved[128];   /* its terminal's mode before */
  int raw_out;       /* we turned output processing off on fd 1 */
  char saved_out[128];
};

struct relay {
  int console;                  /* pty master, -1 once hung up */
  int tty;                      /* our own terminal, kept once detached from it */
  long long console_quiet_until;/* no slave open: look again later */
  struct client client;
  int attached;
  struct console_log log;
  char out[65536];
  size_t out_start, out_end;
  char in[8192];
  size_t in_length;
  int held;                     /* escape bytes held back */
  long long held_since;
};

void relay_init(struct relay *relay, const struct config *config);
void relay_attach(struct relay *relay, const struct config *config, struct client client);
void relay_detach(struct relay *relay, const struct config *config, int leave_foreground);
int relay_events(const struct relay *relay, struct pollfd *fds, int count);
void relay_handle(struct relay *relay, const struct config *config, const struct pollfd *fds, int count);
long long relay_deadline(const struct relay *relay, const struct config *config);
void relay_tick(struct relay *relay, const struct config *config);
void relay_drain(struct relay *relay, long long until);
void relay_winsize(struct relay *relay);
void relay_end(struct relay *relay);
int relay_input(struct relay *relay, const struct config *config, const char *data, size_t size);
int relay_input_room(const struct relay *relay);
int relay_resume(struct relay *relay, const struct config *config);

#endif
