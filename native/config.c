/* The supervisor's orders: NUL-separated KEY and VALUE pairs on a pipe,
 * written by contain (TypeScript) once PID 1 has exec'd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "supervisor.h"

static char *slurp(int fd, size_t *length) {
  size_t size = 4096, used = 0;
  char *data = malloc(size);

  for (long n; data; used += n) {
    if (used == size && !(data = realloc(data, size *= 2)))
      return NULL;
    n = read(fd, data + used, size - used);
    if (n < 0 && errno == EINTR)
      n = 0;
    else if (n <= 0)
      break;
  }
  *length = used;
  return data;
}

static long long number(const char *text) {
  return strtoll(text, NULL, 10);
}

static int add_rule(struct config *config, char *value) {
  /* EXE:ARGV0:SIGNAL */
  char *first = strchr(value, ':'), *second = first ? strchr(first + 1, ':') : NULL;

  if (!second || config->rule_count == MAX_LIST)
    return -1;
  *first = *second = 0;
  config->rules[config->rule_count++] = (struct stop_rule) {
    .exe = value, .argv0 = first + 1, .signal = (int) number(second + 1)
  };
  return 0;
}

static int set(struct config *c, const char *key, char *value) {
  static const struct { const char *key; size_t offset; } ints[] = {
    { "pid1", offsetof(struct config, pid1) },
    { "stop-signal", offsetof(struct config, stop_signal) },
    { "stop-default", offsetof(struct config, stop_default) },
    { "interrupt", offsetof(struct config, interrupt) },
    { "requests", offsetof(struct config, requests) },
    { "console", offsetof(struct config, console) },
    { "relay-input", offsetof(struct config, relay_input) },
    { "raw", offsetof(struct config, raw) },
    { "raw-output", offsetof(struct config, raw_output) },
    { "attached", offsetof(struct config, attached) },
    { "listen", offsetof(struct config, listen) },
    { "status-halt", offsetof(struct config, status_halt) },
    { "status-reboot", offsetof(struct config, status_reboot) },
    { "status-reboot-stopping", offsetof(struct config, status_reboot_stopping) },
    { "escape", offsetof(struct config, escape) },
    { "escape-count", offsetof(struct config, escape_count) },
    { "escape-window-ms", offsetof(struct config, escape_window_ms) },
  };

  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
    if (!strcmp(key, ints[i].key)) {
      *(int *) ((char *) c + ints[i].offset) = (int) number(value);
      return 0;
    }
  if (!strcmp(key, "name"))
    c->name = value;
  else if (!strcmp(key, "stop-timeout-ms"))
    c->stop_timeout_ms = number(value);
  else if (!strcmp(key, "lock"))
    c->lock = value;
  else if (!strcmp(key, "log"))
    c->log = value;
  else if (!strcmp(key, "log-max"))
    c->log_max = number(value);
  else if (!strcmp(key, "detach-message"))
    c->detach_message = value;
  else if (!strcmp(key, "helper") && c->helper_count < MAX_LIST)
    c->helpers[c->helper_count++] = (pid_t) number(value);
  else if ((!strcmp(key, "remove") || !strcmp(key, "remove-if-free")) && c->remove_count < MAX_LIST) {
    c->remove_if_free[c->remove_count] = key[6] == '-';
    c->remove[c->remove_count++] = value;
  }
  else if (!strcmp(key, "stop-rule"))
    return add_rule(c, value);
  else
    return -1;
  return 0;
}

int read_config(int fd, struct config *config) {
  size_t length, at = 0;
  char *data = slurp(fd, &length);

  *config = (struct config) {
    .name = "", .console = -1, .listen = -1, .stop_default = 15,
    .stop_timeout_ms = 30000, .status_reboot = 129, .escape = -1,
    .escape_count = 3, .escape_window_ms = 1000, .log_max = 1 << 20,
  };
  if (!data || length == 0 || data[length - 1] != 0)
    return -1;
  while (at < length) {
    char *key = data + at, *value;

    at += strlen(key) + 1;
    if (at >= length)
      return -1;
    value = data + at;
    at += strlen(value) + 1;
    if (set(config, key, value) < 0)
      return -1;
  }
  return config->pid1 > 0 ? 0 : -1;
}
