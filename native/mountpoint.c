/* Mount points inside the new root. Every path is resolved with the root
 * as /, so that no symbolic link in DIR, absolute or "..", leads contain
 * out of it; what is missing is created and remembered, so that a start
 * that fails before PID 1 runs removes it again. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mounts.h"

/* A fixed table, so that undoing needs no malloc: room for 64 mounts
 * each with a few missing directories on the way (mounts.ts says so). */
#define MAX_CREATED 512

static struct created {
  int parent;            /* O_PATH fd of the directory it is in */
  char name[NAME_MAX + 1];
  int dir;
  dev_t dev;
  ino_t ino;
  const char *mounted;   /* its path in the root, once something is mounted on it */
} created[MAX_CREATED];
static int created_count, root_mount = -1, pivoted;

static void remove_created(const struct created *entry) {
  struct stat status;

  if (entry->dir) {
    unlinkat(entry->parent, entry->name, AT_REMOVEDIR);
    return;
  }
  /* A file is removed only while it is the empty one made here. */
  if (fstatat(entry->parent, entry->name, &status, AT_SYMLINK_NOFOLLOW) == 0
      && S_ISREG(status.st_mode) && status.st_size == 0
      && status.st_dev == entry->dev && status.st_ino == entry->ino)
    unlinkat(entry->parent, entry->name, 0);
}

static void detach_created(void) {
  /* A mount may hide another created mount point: repeat until no
   * unmount succeeds. UMOUNT_NOFOLLOW: the last component is ours. */
  for (int progress = 1; progress;) {
    progress = 0;
    for (int i = created_count - 1; i >= 0; i--)
      if (created[i].mounted && umount2(created[i].mounted, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
        progress = 1;
  }
}

static void undo(void) {
  char path[64];
  size_t used = 0;

  if (!pivoted && root_mount >= 0) {
    /* Before the pivot, detaching the root detaches every mount made in
     * it, -i's included, and the mount points are plain entries again. */
    append_fd_path(path, sizeof path, &used, root_mount, NULL);
    umount2(path, MNT_DETACH);
  } else if (pivoted) {
    detach_created();
  }
  for (int i = created_count - 1; i >= 0; i--)
    remove_created(&created[i]);
}

void note_root(int root_fd) {
  root_mount = root_fd;
  when_failing(undo);
}

void note_pivot(void) {
  pivoted = 1;
}

static void note_mounted(int point_fd, const char *path) {
  struct stat status;

  if (!path || fstat(point_fd, &status) < 0)
    return;
  for (int i = 0; i < created_count; i++)
    if (created[i].dev == status.st_dev && created[i].ino == status.st_ino)
      created[i].mounted = path;
}

void mount_at(int report_fd, int mount_fd, int point_fd, const char *step, const char *path, int index) {
  if (attach_mount(mount_fd, point_fd) < 0)
    fail_mount(report_fd, step, path, index);
  note_mounted(point_fd, path);
}

static int create(int report_fd, int parent, const char *name, size_t length, int dir,
                  const char *path, int index) {
  struct created *entry = &created[created_count];
  struct stat status;
  mode_t mask;
  int fd;

  if (created_count == MAX_CREATED) {
    errno = 0;
    fail_mount(report_fd, "create more mount points than contain can undo, at", path, index);
  }
  if (length > NAME_MAX) {
    errno = ENAMETOOLONG;
    fail_mount(report_fd, "create the mount point", path, index);
  }
  memcpy(entry->name, name, length);
  entry->name[length] = 0;
  /* The modes the man page gives, whatever the caller's umask: they stay
   * in DIR for every user of the container. */
  mask = umask(0);
  if (dir) {
    fd = mkdirat(parent, entry->name, 0755);
  } else if ((fd = openat(parent, entry->name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644)) >= 0) {
    close(fd);
  }
  umask(mask);
  /* There, but not found: a link to something missing. Nothing is
   * created through it, wherever it points. */
  if (fd < 0 && errno == EEXIST) {
    errno = ENOENT;
    fail_mount(report_fd, "follow a link in the root at", path, index);
  }
  if (fd < 0)
    fail_mount(report_fd, "create the mount point", path, index);
  entry->dir = dir;
  entry->parent = fcntl(parent, F_DUPFD_CLOEXEC, 3);
  fd = openat(parent, entry->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &status) < 0)
    fail_mount(report_fd, "create the mount point", path, index);
  entry->dev = status.st_dev;
  entry->ino = status.st_ino;
  created_count++;
  return fd;
}

static int checked(int report_fd, int fd, const char *path, int flags, int index) {
  struct stat status;

  if (fstat(fd, &status) < 0)
    fail_mount(report_fd, "find the mount point", path, index);
  if ((flags & POINT_DIR) && !S_ISDIR(status.st_mode)) {
    errno = ENOTDIR;
    fail_mount(report_fd, "mount a directory on a file at", path, index);
  }
  if (!(flags & POINT_DIR) && S_ISDIR(status.st_mode)) {
    errno = EISDIR;
    fail_mount(report_fd, "mount a file on a directory at", path, index);
  }
  return fd;
}

int mount_point(int report_fd, int root_fd, const char *path, int flags, int index) {
  char prefix[PATH_MAX];
  uint64_t resolve = flags & POINT_NO_LINKS ? RESOLVE_NO_SYMLINKS : 0;
  int on_link = flags & POINT_ON_LINK ? O_NOFOLLOW : 0, parent;
  int fd = open_in_root(root_fd, path, O_PATH | on_link, resolve);
  size_t at = 0, length = strlen(path);

  if (fd >= 0)
    return checked(report_fd, fd, path, flags, index);
  if (errno != ENOENT || length >= sizeof prefix)
    fail_mount(report_fd, "find the mount point", path, index);
  /* Something on the way is missing: walk from the root, creating each
   * missing component in the directory its predecessor resolved to. */
  parent = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
  while (at < length) {
    size_t start = at + strspn(path + at, "/"), end = start + strcspn(path + start, "/");
    int last = path[end + strspn(path + end, "/")] == 0;

    if (start == length)
      break;
    memcpy(prefix, path, end);
    prefix[end] = 0;
    fd = open_in_root(root_fd, prefix, O_PATH | (last ? on_link : 0), resolve);
    if (fd < 0 && errno == ENOENT)
      fd = create(report_fd, parent, path + start, end - start, last ? flags & POINT_DIR : 1, path, index);
    else if (fd < 0)
      fail_mount(report_fd, "find the mount point", path, index);
    close(parent);
    parent = fd;
    at = end;
  }
  return checked(report_fd, parent, path, flags, index);
}
