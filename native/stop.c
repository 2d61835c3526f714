/* Asking PID 1 to stop, and what its end means: both policies arrive as
 * data (rules and statuses); this only applies them. */
#include <limits.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "supervisor.h"

long long now_ms(void) {
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

static const char *base(const char *path) {
  const char *slash = strrchr(path, '/');

  return slash ? slash + 1 : path;
}

static void copy_base(char *to, size_t size, const char *path) {
  const char *name = base(path);
  size_t length = strlen(name);

  if (length >= size)
    length = size - 1;
  memcpy(to, name, length);
  to[length] = 0;
}

/* What PID 1 runs now, not what it started as: an init may exec another. */
static int program(pid_t pid, char *exe, size_t exe_size, char *argv, size_t argv_size) {
  char path[64], link[PATH_MAX];
  long n;
  FILE *file;

  snprintf(path, sizeof path, "/proc/%d/exe", (int) pid);
  n = readlink(path, link, sizeof link - 1);
  if (n < 0)
    return -1;
  link[n] = 0;
  if (n > 10 && !strcmp(link + n - 10, " (deleted)"))
    link[n - 10] = 0;
  copy_base(exe, exe_size, link);
  snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
  if (!(file = fopen(path, "re")))
    return -1;
  n = fread(link, 1, sizeof link - 1, file);
  fclose(file);
  link[n > 0 ? n : 0] = 0;
  /* busybox runs the applet named by argv[0], or by argv[1] after it. */
  if (!strcmp(base(link), "busybox") && (size_t) n > strlen(link) + 1)
    copy_base(argv, argv_size, link + strlen(link) + 1);
  else
    copy_base(argv, argv_size, link);
  return 0;
}

int stop_signal_for(const struct config *config) {
  char exe[256], argv0[256];

  if (config->stop_signal > 0)
    return config->stop_signal;
  if (program(config->pid1, exe, sizeof exe, argv0, sizeof argv0) < 0)
    return config->stop_default;
  for (int i = 0; i < config->rule_count; i++) {
    const struct stop_rule *rule = config->rules + i;

    if (!strcmp(rule->exe, exe) && (!*rule->argv0 || !strcmp(rule->argv0, argv0)))
      return rule->signal;
  }
  return config->stop_default;
}

int exit_status(const struct config *config, int status, int stopping) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  /* Nothing can kill a PID 1 with SIGINT or SIGHUP: the kernel reports
   * those for reboot(2), halt or power-off and a reboot. */
  if (WTERMSIG(status) == SIGINT)
    return config->status_halt;
  if (WTERMSIG(status) == SIGHUP)
    return stopping ? config->status_reboot_stopping : config->status_reboot;
  return 128 + WTERMSIG(status);
}
