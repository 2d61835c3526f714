/* The mounts a container asks for (--bind, --ro-bind, --tmpfs), in the
 * order given: sources are opened on the host before anything covers
 * DIR, and attached after contain's own mounts, each on a mount point
 * found in the tree as the mounts before it left it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "mounts.h"

/* The directory a file source is in: a copy of its path up to the last
 * slash. The name after it is source + *name_at. */
static const char *directory_of(char *path, size_t size, const char *source, size_t *name_at) {
  const char *slash = strrchr(source, '/');
  size_t length = slash && slash > source ? (size_t) (slash - source) : 1;

  if (length >= size)
    length = size - 1;
  memcpy(path, source, length);
  path[length] = 0;
  *name_at = slash ? (size_t) (slash - source) + 1 : 0;
  return path;
}

static int tmpfs(const struct ct_mount *mount, int report_fd, int index) {
  int context = fs_open("tmpfs"), fd;

  if (context < 0)
    fail_mount(report_fd, "mount a tmpfs at", mount->target, index);
  for (const char *const *option = mount->options; option && *option; option++)
    if (fs_set(context, *option) < 0)
      fail_mount(report_fd, "set the tmpfs option", *option, index);
  if ((fd = fs_mount(context, mount->attrs)) < 0)
    fail_mount(report_fd, "mount a tmpfs at", mount->target, index);
  return fd;
}

/* A device, socket or fifo: what it carries is not file system data, and
 * /dev, where most are, cannot be an overlay's layer. */
static int special(const char *source) {
  struct stat status;

  return stat(source, &status) == 0 && !S_ISREG(status.st_mode) && !S_ISDIR(status.st_mode);
}

static int read_only_bind(const char *source, int report_fd, int index) {
  int fd = clone_tree(AT_FDCWD, source, 0);

  if (fd < 0 || set_attrs(fd, 0, MOUNT_ATTR_RDONLY) < 0)
    fail_mount(report_fd, "bind", source, index);
  return fd;
}

void open_mount_sources(const struct ct_spawn_config *config, int report_fd, int *sources) {
  char parent[PATH_MAX];
  size_t name_at;

  for (int i = 0; i < config->mount_count; i++) {
    const struct ct_mount *mount = &config->mounts[i];
    const char *source = mount->source;

    /* Made later, as container root: its files are root's. */
    if (mount->kind == CT_TMPFS) {
      sources[i] = -1;
      continue;
    }
    if (mount->kind == CT_BIND) {
      /* With the mounts below it, as a recursive bind. */
      if ((sources[i] = clone_tree(AT_FDCWD, source, AT_RECURSIVE)) < 0)
        fail_mount(report_fd, "bind", source, i + 1);
      continue;
    }
    if (!(mount->flags & CT_MOUNT_DIR) && special(source)) {
      sources[i] = read_only_bind(source, report_fd, i + 1);
      continue;
    }
    /* A read-only view is an overlay of the directory, made once the
     * scratch tmpfs is there; of a file, of the directory it is in. */
    if (!(mount->flags & CT_MOUNT_DIR))
      source = directory_of(parent, sizeof parent, source, &name_at);
    if ((sources[i] = open(source, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
      fail_mount(report_fd, "open", source, i + 1);
  }
}

void make_tmpfs_sources(const struct ct_spawn_config *config, int report_fd, int *sources) {
  for (int i = 0; i < config->mount_count; i++)
    if (config->mounts[i].kind == CT_TMPFS)
      sources[i] = tmpfs(&config->mounts[i], report_fd, i + 1);
}

/* The file of a view of its directory, as a mount of its own. */
static int file_of_view(int view, const char *source, int report_fd, int index) {
  char parent[PATH_MAX];
  size_t name_at;
  struct stat status;
  int fd;

  directory_of(parent, sizeof parent, source, &name_at);
  fd = clone_tree(view, source + name_at, AT_SYMLINK_NOFOLLOW);
  if (fd >= 0 && fstat(fd, &status) == 0 && S_ISLNK(status.st_mode)) {
    close(fd);
    errno = ELOOP;
    fd = -1;
  }
  if (fd < 0)
    fail_mount(report_fd, "bind from the read-only view", source, index);
  return fd;
}

void make_read_only_views(const struct ct_spawn_config *config, int report_fd, int scratch_fd, int *sources) {
  for (int i = 0; i < config->mount_count; i++) {
    const struct ct_mount *mount = &config->mounts[i];
    int view;

    struct stat status;

    /* Not a directory to make a view of: a special file, bound already. */
    if (mount->kind != CT_RO_BIND || fstat(sources[i], &status) < 0 || !S_ISDIR(status.st_mode))
      continue;
    if ((view = read_only_view(scratch_fd, sources[i], i)) < 0)
      fail_mount(report_fd, "mount a read-only overlay of", mount->source, i + 1);
    close(sources[i]);
    sources[i] = view;
    if (!(mount->flags & CT_MOUNT_DIR)) {
      sources[i] = file_of_view(view, mount->source, report_fd, i + 1);
      close(view);
    }
  }
}

static int same_file(int fd, int other) {
  struct stat a, b;

  return other >= 0 && fstat(fd, &a) == 0 && fstat(other, &b) == 0
    && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Where a DST that a link or a bind leads elsewhere may not go either,
 * as mounts.ts refuses the path itself: the root, /dev, or into /proc
 * or /sys, where contain's own mounts are. */
static int own_mount(int root_fd, int dev_fd, int point) {
  struct statfs fs;

  if (fstatfs(point, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC
                                   || fs.f_type == CGROUP2_SUPER_MAGIC))
    return 1;
  return same_file(point, root_fd) || same_file(point, dev_fd);
}

void attach_mounts(const struct ct_spawn_config *config, int report_fd, int root_fd, const int *sources) {
  /* contain's own /dev, mounted by now: no DST may lead onto it. */
  int dev = open_in_root(root_fd, "/dev", O_PATH | O_NOFOLLOW, 0);

  for (int i = 0; i < config->mount_count; i++) {
    const struct ct_mount *mount = &config->mounts[i];
    int flags = (mount->flags & CT_MOUNT_DIR ? POINT_DIR : 0)
      | (mount->flags & CT_MOUNT_ON_LINK ? POINT_ON_LINK : 0);
    int point = mount_point(report_fd, root_fd, mount->target, flags, i + 1);

    if (own_mount(root_fd, dev, point)) {
      errno = 0;
      fail_mount(report_fd, "lead to contain's own mounts at", mount->target, i + 1);
    }
    mount_at(report_fd, sources[i], point, "mount at", mount->target, i + 1);
    close(point);
    close(sources[i]);
  }
  if (dev >= 0)
    close(dev);
}
