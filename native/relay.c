/* The console relay: output from the container's pty to the attached
 * client, or to the log while nobody is attached; input from the client
 * to the pty, watching for the escape that detaches it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "supervisor.h"

#define SLOTS 3
#define TAIL 65536
/* How often a supervisor detached from its own terminal looks whether a
 * shell gave it back (relay_deadline). */
#define FG_LOOK_MS 200

static const struct client nobody = { .in = -1, .out = -1, .sock = -1 };

void relay_init(struct relay *relay, const struct config *config) {
  memset(relay, 0, sizeof *relay);
  relay->console = config->console;
  relay->tty = -1;
  relay->client = nobody;
  log_init(&relay->log, config->log, config->log_max);
}

static int has_client(const struct relay *relay) {
  return relay->client.out >= 0;
}

/* Output waiting for the client, or room for more. */
static size_t pending(const struct relay *relay) {
  return relay->out_end - relay->out_start;
}

static size_t out_room(struct relay *relay);

static void queue(struct relay *relay, const char *data, size_t size) {
  size_t room = out_room(relay);

  if (size > room)
    size = room;
  memcpy(relay->out + relay->out_end, data, size);
  relay->out_end += size;
}

void relay_winsize(struct relay *relay) {
  if (relay->console < 0)
    return;
  if (relay->client.sock < 0) {
    /* Our own stdio: whichever of them is the terminal. */
    for (int fd = 0; fd < 3; fd++)
      if (isatty(fd)) {
        copy_winsize(fd, relay->console);
        return;
      }
  } else if (relay->client.out >= 0) {
    copy_winsize(relay->client.out, relay->console);
  }
}

void relay_attach(struct relay *relay, const struct config *config, struct client client) {
  char *tail = malloc(TAIL);
  size_t size = tail ? log_tail(config->log, tail, TAIL) : 0;

  relay->client = client;
  relay->attached = 1;
  relay->held = 0;
  /* What the console printed meanwhile, from the log, then live. */
  queue(relay, tail, size);
  free(tail);
  relay_winsize(relay);
}

static void restore_terminals(struct client *client) {
  if (client->raw)
    term_restore(client->in, client->saved);
  if (client->raw_out)
    term_restore(1, client->saved_out);
  client->raw = client->raw_out = 0;
}

static void close_client(struct client *client) {
  restore_terminals(client);
  if (client->sock >= 0) {
    if (client->in >= 0)
      close(client->in);
    close(client->sock);
  }
  if (client->out >= 0)
    close(client->out);
  *client = nobody;
}

/* Stops the shell waiting for us: stopped, the job gives the terminal
 * back to its shell, and a helper continues us once the shell has it. */
static void leave_foreground(int tty) {
  pid_t group = getpgrp(), helper;

  if (tty < 0 || tcgetpgrp(tty) != group)
    return;
  helper = fork();
  if (helper == 0) {
    for (int i = 0; i < 300 && tcgetpgrp(tty) == group; i++)
      usleep(10000);
    kill(getppid(), SIGCONT);
    _exit(0);
  }
  if (helper > 0)
    raise(SIGSTOP);
}

/* `fg` after a detach from our own terminal: the shell gave it back to
 * us and continued us; take it up again as when we started. */
int relay_resume(struct relay *relay, const struct config *config) {
  struct client client = nobody;

  if (relay->tty < 0 || relay->attached || tcgetpgrp(relay->tty) != getpgrp())
    return 0;
  dup2(relay->tty, 0);
  dup2(relay->tty, 1);
  client.in = 0;
  client.out = open_output(1);
  if (config->raw && term_raw(0, client.saved, sizeof client.saved) == 0)
    client.raw = 1;
  close(relay->tty);
  relay->tty = -1;
  relay_attach(relay, config, client);
  return 1;
}

void relay_detach(struct relay *relay, const struct config *config, int leave) {
  struct client *client = &relay->client;
  int own = client->sock < 0, tty = -1;

  restore_terminals(client);
  if (config->detach_message && client->out >= 0)
    write_output(client->out, config->detach_message, strlen(config->detach_message));
  if (client->sock >= 0)
    send_message(client->sock, "D", 1, NULL, 0);
  if (own) {
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);

    /* Kept, unused, for a later `fg`: stdio itself is /dev/null. */
    if (leave && isatty(0))
      tty = fcntl(0, F_DUPFD_CLOEXEC, 3);
    for (int fd = 0; fd < 3 && null >= 0; fd++)
      dup2(null, fd);
    if (null > 2)
      close(null);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
  }
  close_client(client);
  relay->attached = 0;
  relay->held = 0;
  if (own) {
    relay->tty = tty;
    leave_foreground(tty);
  }
}

int relay_events(const struct relay *relay, struct pollfd *fds, int count) {
  int room = has_client(relay) ? pending(relay) < sizeof relay->out : 1;

  if (count < SLOTS)
    return 0;
  fds[0] = (struct pollfd) { .fd = -1 };
  if (relay->console >= 0 && now_ms() >= relay->console_quiet_until)
    fds[0] = (struct pollfd) {
      .fd = relay->console,
      .events = (room ? POLLIN : 0) | (relay->in_length ? POLLOUT : 0),
    };
  fds[1] = (struct pollfd) {
    .fd = relay->in_length < sizeof relay->in ? relay->client.in : -1, .events = POLLIN,
  };
  fds[2] = (struct pollfd) { .fd = pending(relay) ? relay->client.out : -1, .events = POLLOUT };
  return SLOTS;
}

static void route(struct relay *relay, const char *data, size_t size) {
  if (has_client(relay))
    queue(relay, data, size);
  else
    log_write(&relay->log, data, size);
}

static void flush_held(struct relay *relay, const struct config *config) {
  for (; relay->held > 0 && relay->in_length < sizeof relay->in; relay->held--)
    relay->in[relay->in_length++] = (char) config->escape;
  relay->held = 0;
}

/* Typed input: the escape, pressed escape-count times within the
 * window, detaches; held back until it is clear it is not one. */
static int take_input(struct relay *relay, const struct config *config, const char *data, size_t size) {
  for (size_t i = 0; i < size; i++) {
    if (config->escape >= 0 && (unsigned char) data[i] == config->escape) {
      if (relay->held == 0)
        relay->held_since = now_ms();
      if (++relay->held >= config->escape_count)
        return 1;
      continue;
    }
    flush_held(relay, config);
    if (relay->in_length < sizeof relay->in)
      relay->in[relay->in_length++] = data[i];
  }
  return 0;
}

/* Room at the end of the client's buffer, moving what waits to the start. */
static size_t out_room(struct relay *relay) {
  if (relay->out_start > 0) {
    memmove(relay->out, relay->out + relay->out_start, pending(relay));
    relay->out_end -= relay->out_start;
    relay->out_start = 0;
  }
  return sizeof relay->out - relay->out_end;
}

/* Reads what the console has, a few reads at most, straight into the
 * client's buffer: a pty hands over 4 KiB at a time, and a poll for each
 * would cost more than the copy. */
static void read_console(struct relay *relay) {
  char buffer[16384];
  long n = 0;

  for (int reads = 0; reads < 16; reads++) {
    if (has_client(relay)) {
      size_t room = out_room(relay);

      if (room == 0)
        return;
      n = read(relay->console, relay->out + relay->out_end, room);
      if (n > 0)
        relay->out_end += n;
    } else {
      n = read(relay->console, buffer, sizeof buffer);
      if (n > 0)
        log_write(&relay->log, buffer, n);
    }
    /* Less than a pty's buffer (4 KiB): it is empty now, no need to ask. */
    if (n <= 0 || n < 4095)
      break;
  }
  if (n == 0 || (n < 0 && errno == EIO))
    /* No slave is open: nothing can come until one is opened again. */
    relay->console_quiet_until = now_ms() + 100;
}

static void write_console(struct relay *relay) {
  long n = write(relay->console, relay->in, relay->in_length);

  if (n > 0) {
    memmove(relay->in, relay->in + n, relay->in_length - n);
    relay->in_length -= n;
  }
}

/* The client's output failed: a socket client just goes; our own stdio
 * going away hangs the console up, as a terminal going away would. */
static void lost_output(struct relay *relay, const struct config *config) {
  if (relay->client.sock >= 0) {
    close_client(&relay->client);
    relay->attached = 0;
    return;
  }
  relay->out_start = relay->out_end = 0;
  if (relay->console >= 0)
    close(relay->console);
  relay->console = -1;
  (void) config;
}

static void write_client(struct relay *relay, const struct config *config) {
  while (pending(relay)) {
    long n = write_output(relay->client.out, relay->out + relay->out_start, pending(relay));

    if (n > 0) {
      relay->out_start += n;
    } else {
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        lost_output(relay, config);
      return;
    }
  }
}

/* Room for one more message of typed input from a socket client. */
int relay_input_room(const struct relay *relay) {
  return sizeof relay->in - relay->in_length >= 4096;
}

/* Typed input from a socket client; 1 if it asked to detach. */
int relay_input(struct relay *relay, const struct config *config, const char *data, size_t size) {
  if (take_input(relay, config, data, size)) {
    relay_detach(relay, config, 0);
    return 1;
  }
  return 0;
}

static void read_client(struct relay *relay, const struct config *config) {
  char buffer[4096];
  size_t room = sizeof relay->in - relay->in_length;
  long n = read(relay->client.in, buffer, room < sizeof buffer ? room : sizeof buffer);

  if (n > 0) {
    if (take_input(relay, config, buffer, n))
      relay_detach(relay, config, 1);
  } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
    /* Our own terminal hung up: hang the console up too, as a terminal
     * going away would. A client's input ended: output still flows. */
    if (relay->client.sock < 0) {
      lost_output(relay, config);
    } else if (relay->client.in >= 0) {
      close(relay->client.in);
    }
    relay->client.in = -1;
  }
}

void relay_handle(struct relay *relay, const struct config *config, const struct pollfd *fds, int count) {
  if (count < SLOTS)
    return;
  if (fds[0].fd >= 0 && fds[0].revents & (POLLIN | POLLHUP | POLLERR))
    read_console(relay);
  if (fds[0].fd >= 0 && relay->console >= 0 && fds[0].revents & POLLOUT)
    write_console(relay);
  /* What was just read goes out at once, without waiting for a poll. */
  if (has_client(relay) && pending(relay))
    write_client(relay, config);
  if (fds[1].fd >= 0 && relay->client.in == fds[1].fd && fds[1].revents)
    read_client(relay, config);
}

long long relay_deadline(const struct relay *relay, const struct config *config) {
  long long deadline = -1;

  if (relay->held)
    deadline = relay->held_since + config->escape_window_ms;
  if (relay->console >= 0 && relay->console_quiet_until > now_ms()
      && (deadline < 0 || relay->console_quiet_until < deadline))
    deadline = relay->console_quiet_until;
  /* bash's `fg` of a job it saw continue (our helper continued us after
   * the detach) gives it the terminal with no SIGCONT: only a look tells
   * relay_resume() that it is ours again. */
  if (relay->tty >= 0 && !relay->attached
      && (deadline < 0 || now_ms() + FG_LOOK_MS < deadline))
    deadline = now_ms() + FG_LOOK_MS;
  return deadline;
}

/* The escape window passed: what was held back was typed, not an escape. */
void relay_tick(struct relay *relay, const struct config *config) {
  if (relay->held && now_ms() >= relay->held_since + config->escape_window_ms)
    flush_held(relay, config);
}

/* Writes what waits for the client, until `until` at the latest. */
static void flush_client(struct relay *relay, long long until) {
  while (has_client(relay) && pending(relay) && now_ms() < until) {
    struct pollfd out = { .fd = relay->client.out, .events = POLLOUT };
    long n;

    poll(&out, 1, 50);
    n = write_output(relay->client.out, relay->out + relay->out_start, pending(relay));
    if (n > 0)
      relay->out_start += n;
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
      relay->out_start = relay->out_end;
  }
}

/* After PID 1's end: all the console still holds, up to the moment the
 * last slave closes (EIO), then the client's share of it. */
void relay_drain(struct relay *relay, long long until) {
  char buffer[sizeof relay->out / 2];
  struct pollfd console = { .fd = relay->console, .events = POLLIN };

  while (relay->console >= 0 && now_ms() < until && poll(&console, 1, 50) >= 0) {
    long n = read(relay->console, buffer, sizeof buffer);

    if (n == 0 || (n < 0 && errno == EIO))
      break;
    if (n > 0)
      route(relay, buffer, n);
    if (pending(relay) > sizeof relay->out / 2)
      flush_client(relay, until);
  }
  flush_client(relay, until);
}

void relay_end(struct relay *relay) {
  close_client(&relay->client);
}
