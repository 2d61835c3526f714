/* supervisor/contain: what contain becomes once PID 1 has exec'd, so that
 * no Node stays resident for a container's life. contain decides
 * everything and writes it to fd 3 (see config.c); this program only
 * relays the console, passes stop requests on, reaps, and ends the way
 * it was told. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "supervisor.h"

#define DRAIN_MS 3000
#define HELPER_GRACE_MS 1000

static struct config config;
static struct relay relay;
static int signals = -1;
static int pending_conn = -1;
static int stopping, pid1_status, pid1_done;
static long long kill_at = -1;

static void install_handlers(void) {
  static const int caught_signals[] = { SIGTERM, SIGHUP, SIGINT, SIGCHLD, SIGWINCH, SIGCONT };

  for (size_t i = 0; i < sizeof caught_signals / sizeof *caught_signals; i++)
    catch_signal(caught_signals[i]);
  if (!config.interrupt)
    signal(SIGINT, SIG_IGN);
}

static void catch_signals(void) {
  sigset_t none;

  if ((signals = signal_pipe()) < 0)
    return;
  install_handlers();
  /* A terminal we do not own may not stop us; a closed pipe is an error. */
  signal(SIGTTOU, SIG_IGN);
  signal(SIGTTIN, SIG_IGN);
  signal(SIGTSTP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  /* contain blocked these across exec: what came meanwhile arrives now. */
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static void send_pid1(int signal) {
  if (!pid1_done)
    kill(config.pid1, signal);
}

/* The first request asks PID 1 to stop; the timeout or a second kills. */
static void request_stop(void) {
  if (stopping) {
    send_pid1(SIGKILL);
    return;
  }
  stopping = 1;
  send_pid1(stop_signal_for(&config));
  kill_at = now_ms() + config.stop_timeout_ms;
}

static void reap(void) {
  int status;
  pid_t pid;

  while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
    if (pid == config.pid1) {
      pid1_status = status;
      pid1_done = 1;
    } else {
      for (int i = 0; i < config.helper_count; i++)
        if (config.helpers[i] == pid)
          config.helpers[i] = 0;
    }
}

static void handle_signals(void) {
  int signal;

  while ((signal = next_signal()) > 0) {
    if (signal == SIGCHLD)
      reap();
    else if (signal == SIGWINCH)
      relay_winsize(&relay);
    else if (signal == SIGCONT)
      continue; /* a wake-up: supervise() looks whether the terminal is ours */
    else
      request_stop();
  }
}

/* A client asks to attach: [A][flags] with its output fd; what it types
 * comes as [I][bytes] messages: it reads its terminal as the foreground
 * job there, which we, in another process group, could not. */
static void take_connection(void) {
  char message[8];
  int fds[4], nfds = 0;
  long length = recv_message(pending_conn, message, sizeof message, fds, &nfds);
  struct client client = { .in = -1, .out = -1, .sock = pending_conn };

  if (length < 0 && errno == EAGAIN)
    return;
  if (length < 2 || message[0] != 'A' || nfds != 1 || relay.attached || config.console < 0) {
    static const char busy[] = "Ethe console is attached elsewhere";
    static const char none[] = "Eit has no console to attach to (started with -c)";

    if (length >= 2 && config.console < 0)
      send_message(pending_conn, none, sizeof none - 1, NULL, 0);
    else if (length >= 2 && relay.attached)
      send_message(pending_conn, busy, sizeof busy - 1, NULL, 0);
    for (int i = 0; i < nfds; i++)
      close(fds[i]);
    close(pending_conn);
    pending_conn = -1;
    return;
  }
  client.out = open_output(fds[0]);
  close(fds[0]);
  pending_conn = -1;
  relay_attach(&relay, &config, client);
}

/* The attached client's messages: I with typed bytes, W for a resize,
 * end of file when it goes. */
static void client_message(void) {
  char message[4097];
  int fds[4], nfds = 0;
  long length = recv_message(relay.client.sock, message, sizeof message, fds, &nfds);

  for (int i = 0; i < nfds; i++)
    close(fds[i]);
  if (length > 1 && message[0] == 'I')
    relay_input(&relay, &config, message + 1, length - 1);
  else if (length > 0 && message[0] == 'W')
    relay_winsize(&relay);
  else if (length == 0 || (length < 0 && errno != EAGAIN))
    relay_detach(&relay, &config, 0);
}

static void accept_client(void) {
  int conn = accept4(config.listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  struct ucred peer;
  socklen_t size = sizeof peer;

  if (conn < 0)
    return;
  /* The directory is ours alone; still, only we may attach. */
  if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &size) < 0 || peer.uid != getuid()
      || pending_conn >= 0) {
    close(conn);
    return;
  }
  pending_conn = conn;
}

static int timeout_ms(void) {
  long long next = relay_deadline(&relay, &config), now = now_ms();

  if (kill_at >= 0 && (next < 0 || kill_at < next))
    next = kill_at;
  if (next < 0)
    return -1;
  return next <= now ? 0 : next - now > 60000 ? 60000 : (int) (next - now);
}

static void supervise(void) {
  struct pollfd fds[8];

  while (!pid1_done) {
    /* The relay's fds first, then our four, in this order. */
    int relayed = relay_events(&relay, fds, 8 - 4);
    struct pollfd *signal_fd = fds + relayed, *listen_fd = signal_fd + 1, *pending_fd = signal_fd + 2,
                  *client_fd = signal_fd + 3;

    *signal_fd = (struct pollfd) { .fd = signals, .events = POLLIN };
    *listen_fd = (struct pollfd) { .fd = config.listen, .events = POLLIN };
    *pending_fd = (struct pollfd) { .fd = pending_conn, .events = POLLIN };
    *client_fd = (struct pollfd) { .fd = relay_input_room(&relay) ? relay.client.sock : -1, .events = POLLIN };
    if (poll(fds, relayed + 4, timeout_ms()) < 0 && errno != EINTR)
      break;
    /* Only when one came: a read for nothing costs as much as a relay step. */
    if (signal_fd->revents & POLLIN)
      handle_signals();
    if (kill_at >= 0 && now_ms() >= kill_at) {
      send_pid1(SIGKILL);
      kill_at = -1;
    }
    relay_tick(&relay, &config);
    /* Back in the foreground after a detach, by a shell's fg with a
     * SIGCONT or (bash) without one: requests count again. */
    if (relay_resume(&relay, &config))
      install_handlers();
    relay_handle(&relay, &config, fds, relayed);
    if (listen_fd->revents & POLLIN)
      accept_client();
    if (pending_conn >= 0 && pending_fd->fd == pending_conn && pending_fd->revents)
      take_connection();
    if (relay.client.sock >= 0 && client_fd->fd == relay.client.sock && client_fd->revents)
      client_message();
  }
}

/* The helpers (pasta, slirp4netns) live exactly as long as the container. */
static void end_helpers(void) {
  long long until = now_ms() + HELPER_GRACE_MS;
  int alive;

  for (int i = 0; i < config.helper_count; i++)
    if (config.helpers[i] > 0)
      kill(config.helpers[i], SIGTERM);
  do {
    reap();
    alive = 0;
    for (int i = 0; i < config.helper_count; i++)
      alive += config.helpers[i] > 0;
  } while (alive && now_ms() < until && usleep(10000) == 0);
  for (int i = 0; i < config.helper_count; i++)
    if (config.helpers[i] > 0) {
      kill(config.helpers[i], SIGKILL);
      waitpid(config.helpers[i], NULL, 0);
    }
}

static void remove_entry(void) {
  for (int i = 0; i < config.remove_count; i++)
    if (unlink(config.remove[i]) < 0 && errno == EISDIR)
      rmdir(config.remove[i]);
}

static int finish(void) {
  int status = exit_status(&config, pid1_status, stopping);
  unsigned char message[5] = { 'X', status & 0xff };

  relay_drain(&relay, now_ms() + DRAIN_MS);
  end_helpers();
  if (relay.client.sock >= 0)
    send_message(relay.client.sock, message, 2, NULL, 0);
  relay_end(&relay);
  remove_entry();
  return status;
}

static void own_client(void) {
  struct client client = { .in = -1, .out = -1, .sock = -1 };

  if (!config.attached)
    return;
  client.in = config.relay_input ? 0 : -1;
  client.out = open_output(1);
  if (config.raw && term_raw(0, client.saved, sizeof client.saved) == 0)
    client.raw = 1;
  /* The container's pty already turned \n into \r\n: the terminal
   * we write to must pass bytes as they are. */
  if (config.raw_output && !(client.raw && same_terminal(0, 1))
      && term_post_off(1, client.saved_out, sizeof client.saved_out) == 0)
    client.raw_out = 1;
  relay.client = client;
  relay.attached = 1;
}

int main(int argc, char **argv) {
  if (read_config(3, &config) < 0) {
    fprintf(stderr, "contain: the supervisor got no valid orders on fd 3\n");
    return 125;
  }
  close(3);
  start_janitor(&config, argc > 0 ? argv[0] : NULL);
  if (config.console >= 0)
    fcntl(config.console, F_SETFL, fcntl(config.console, F_GETFL) | O_NONBLOCK);
  relay_init(&relay, &config);
  own_client();
  catch_signals();
  for (int i = 0; i < config.requests; i++)
    request_stop();
  reap();
  supervise();
  return finish();
}
