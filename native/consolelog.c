/* The console log: what the console printed while nobody was attached,
 * at most about twice log_max bytes (the log and its previous half). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "supervisor.h"

void log_init(struct console_log *log, const char *path, long long max) {
  *log = (struct console_log) { .path = path, .max = max > 0 ? max : 1 << 20, .fd = -1 };
}

static void rotate(struct console_log *log) {
  char older[4096];

  close(log->fd);
  log->fd = -1;
  snprintf(older, sizeof older, "%s.1", log->path);
  rename(log->path, older);
}

static int ensure_open(struct console_log *log) {
  struct stat status;

  if (log->fd >= 0)
    return 0;
  if (!log->path)
    return -1;
  log->fd = open(log->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log->fd < 0)
    return -1;
  log->size = fstat(log->fd, &status) == 0 ? status.st_size : 0;
  return 0;
}

void log_write(struct console_log *log, const char *data, size_t size) {
  while (size > 0 && ensure_open(log) == 0) {
    long long room = log->max - log->size;
    size_t part = room > 0 && (size_t) room < size ? (size_t) room : size;
    long n = write(log->fd, data, part);

    if (n <= 0)
      return;
    data += n, size -= n, log->size += n;
    if (log->size >= log->max)
      rotate(log);
  }
}

static size_t read_end(const char *path, char *buffer, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  off_t end;
  size_t got = 0;

  if (fd < 0)
    return 0;
  end = lseek(fd, 0, SEEK_END);
  if (end > 0 && lseek(fd, end > (off_t) size ? end - (off_t) size : 0, SEEK_SET) >= 0)
    for (long n; got < size && (n = read(fd, buffer + got, size - got)) > 0;)
      got += n;
  close(fd);
  return got;
}

/* The last `size` bytes the log holds, across the rotation. */
size_t log_tail(const char *path, char *buffer, size_t size) {
  char older[4096];
  size_t recent, before;

  if (!path)
    return 0;
  recent = read_end(path, buffer, size);
  if (recent == size)
    return recent;
  snprintf(older, sizeof older, "%s.1", path);
  memmove(buffer + (size - recent), buffer, recent);
  before = read_end(older, buffer, size - recent);
  memmove(buffer + before, buffer + (size - recent), recent);
  return before + recent;
}
