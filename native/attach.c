/* attach/contain: `contain --attach NAME` once contain has found the
 * container: hands this terminal's output to the supervisor, passes what
 * is typed on, keeps the
 * terminal raw meanwhile, passes window changes on, and ends as told:
 * detached (0), the container's status, or the supervisor's refusal.
 * argv: contain --attach NAME SOCKET */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "supervisor.h"

static int connect_to(const char *path) {
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

  if (sock < 0 || strlen(path) >= sizeof address.sun_path)
    return -1;
  strcpy(address.sun_path, path);
  return connect(sock, (struct sockaddr *) &address, sizeof address) < 0 ? -1 : sock;
}

static int catch_signals(void) {
  int signals = signal_pipe();
  sigset_t none;

  catch_signal(SIGWINCH);
  catch_signal(SIGTERM);
  catch_signal(SIGHUP);
  catch_signal(SIGINT);
  signal(SIGPIPE, SIG_IGN);
  /* contain execs us with these blocked, for the supervisor's sake. */
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  return signals;
}

int main(int argc, char **argv) {
  char saved[128], message[256], typed[4097];
  int out = 1, raw = 0, sock, status = 125, input = 0, signals;
  /* Only a terminal we own is ours to make raw; a background job or a
   * pipe is relayed as it is. */
  int terminal = isatty(0) && tcgetpgrp(0) == getpgrp();
  char attach[2] = { 'A', 1 };

  if (argc != 4) {
    fprintf(stderr, "contain: usage: attach/contain contain --attach NAME SOCKET\n");
    return 64;
  }
  sock = connect_to(argv[3]);
  if (sock < 0) {
    fprintf(stderr, "contain: %s: cannot reach its console: %s\n", argv[2], strerror(errno));
    return 125;
  }
  signals = catch_signals();
  if (terminal && term_raw(0, saved, sizeof saved) == 0)
    raw = 1;
  if (send_message(sock, attach, sizeof attach, &out, 1) < 0)
    goto out;
  for (;;) {
    struct pollfd watch[3] = {
      { .fd = sock, .events = POLLIN }, { .fd = signals, .events = POLLIN }, { .fd = input, .events = POLLIN },
    };
    int signal, got[4], ngot;
    long length;

    if (poll(watch, 3, -1) < 0 && errno != EINTR)
      break;
    /* What we type goes over the socket: the supervisor, in another
     * process group, may not read our terminal. */
    if (watch[2].revents) {
      long n = read(input, typed + 1, sizeof typed - 1);

      typed[0] = 'I';
      if (n > 0)
        send_message(sock, typed, n + 1, NULL, 0);
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        input = -1;
    }
    while ((signal = next_signal()) > 0) {
      if (signal == SIGWINCH)
        send_message(sock, "W", 1, NULL, 0);
      else
        goto detach;
    }
    if (!watch[0].revents)
      continue;
    length = recv_message(sock, message, sizeof message - 1, got, &ngot);
    /* A supervisor that closes with what we typed unread resets the
     * connection: reported once, before the messages it sent last. */
    if (length < 0 && (errno == EAGAIN || errno == ECONNRESET))
      continue;
    if (length > 0 && message[0] == 'D')
      goto detach;
    if (length > 1 && message[0] == 'X') {
      status = (unsigned char) message[1];
      goto out;
    }
    if (length > 1 && message[0] == 'E') {
      message[length] = 0;
      if (raw)
        term_restore(0, saved), raw = 0;
      fprintf(stderr, "contain: %s: %s\n", argv[2], message + 1);
      goto out;
    }
    if (length <= 0) {
      if (raw)
        term_restore(0, saved), raw = 0;
      fprintf(stderr, "contain: %s: its supervisor went away\n", argv[2]);
      goto out;
    }
  }
detach:
  status = 0;
out:
  if (raw)
    term_restore(0, saved);
  return status;
}
