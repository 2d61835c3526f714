/* The file system calls of a tool's start, for packages/core/src/files.ts:
 * each a system call or two, returning -errno, so that the TypeScript
 * side makes them without node:fs, whose functions Node compiles from
 * source at their first call under the tools' V8 flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "containers.h"

/* Where ct_readlink() and ct_realpath() leave their answer: only Node's
 * main thread calls them, and it reads each before the next call. */
static char answer[PATH_MAX];

static int status_of(int fd, const char *path, int flags, double out[CT_STATUS_FIELDS]) {
  struct stat st;

  if (fstatat(fd, path, &st, flags) < 0)
    return -errno;
  out[0] = st.st_mode;
  out[1] = st.st_uid;
  out[2] = st.st_gid;
  out[3] = st.st_dev;
  out[4] = st.st_ino;
  out[5] = st.st_size;
  out[6] = st.st_mtim.tv_sec * 1e3 + st.st_mtim.tv_nsec / 1e6;
  return 0;
}

int ct_stat(const char *path, int32_t nofollow, double out[CT_STATUS_FIELDS]) {
  return status_of(AT_FDCWD, path, nofollow ? AT_SYMLINK_NOFOLLOW : 0, out);
}

int ct_fstat(int32_t fd, double out[CT_STATUS_FIELDS]) {
  return status_of(fd, "", AT_EMPTY_PATH, out);
}

int ct_open(const char *path, int32_t flags, int32_t mode) {
  /* Close-on-exec always: only fds 0-2 may reach a container. */
  int fd = open(path, flags | O_CLOEXEC, mode);

  return fd < 0 ? -errno : fd;
}

int ct_close(int32_t fd) {
  /* Linux has closed the fd even when close() says EINTR. */
  return close(fd) < 0 && errno != EINTR ? -errno : 0;
}

int ct_read(int32_t fd, uint8_t *buffer, int32_t size) {
  ssize_t n;

  do
    n = read(fd, buffer, size);
  while (n < 0 && errno == EINTR);
  return n < 0 ? -errno : n;
}

static int write_all(int fd, const char *data, size_t length) {
  size_t done = 0;

  while (done < length) {
    ssize_t n = write(fd, data + done, length - done);

    if (n < 0 && errno != EINTR)
      return -errno;
    if (n == 0)
      return -EIO;
    if (n > 0)
      done += n;
  }
  return 0;
}

int ct_write(int32_t fd, const char *const *texts, int32_t nul) {
  for (; *texts; texts++) {
    int result = write_all(fd, *texts, strlen(*texts) + (nul ? 1 : 0));

    if (result < 0)
      return result;
  }
  return 0;
}

int ct_mkdir(const char *path, int32_t mode) {
  return mkdir(path, mode) < 0 ? -errno : 0;
}

int ct_rename(const char *from, const char *to) {
  return rename(from, to) < 0 ? -errno : 0;
}

int ct_access(const char *path, int32_t mode) {
  return access(path, mode) < 0 ? -errno : 0;
}

const char *ct_readlink(const char *path, int32_t *error) {
  ssize_t n = readlink(path, answer, sizeof answer - 1);

  if (n < 0) {
    *error = -errno;
    return NULL;
  }
  answer[n] = 0;
  return answer;
}

const char *ct_realpath(const char *path, int32_t *error) {
  if (!realpath(path, answer)) {
    *error = -errno;
    return NULL;
  }
  return answer;
}
