/* The container's /dev: a small tmpfs with the host's harmless device
 * nodes bound in (a user namespace cannot create nodes), a new devpts
 * instance, shm, mqueue, the console and the usual links. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mounts.h"

static const char *const devices[] = {
  "null", "zero", "full", "random", "urandom", "tty", NULL
};

static const char *const links[][2] = {
  { "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" },
  { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "core", "/proc/kcore" }, { NULL, NULL }
};

/* "/dev/NAME", for the host's node and for messages. */
static const char *dev_path(char *path, size_t size, const char *name) {
  size_t length = strlen(name);

  if (length + 6 > size)
    length = size - 6;
  memcpy(path, "/dev/", 5);
  memcpy(path + 5, name, length);
  path[5 + length] = 0;
  return path;
}

void open_dev_sources(const struct ct_spawn_config *config, int report_fd, struct dev_sources *sources) {
  char path[64];
  int i;

  /* Cloned from the host while its /dev is still there to clone. */
  for (i = 0; devices[i]; i++)
    if ((sources->devices[i] = clone_tree(AT_FDCWD, dev_path(path, sizeof path, devices[i]), 0)) < 0)
      fail_path(report_fd, "bind a host device", path);
  sources->devices[i] = -1;
  sources->console = -1;
  if (config->console_path && (sources->console = clone_tree(AT_FDCWD, config->console_path, 0)) < 0)
    fail_path(report_fd, "bind the console", config->console_path);
}

/* A new file system of `type` in `dir`'s entry `name`, made there. */
static void mount_in_dev(int report_fd, int dev, const char *name, const char *type,
                         const char *options, unsigned attrs, int required) {
  char path[64];
  int context, fs = -1, point;

  dev_path(path, sizeof path, name);
  if (mkdirat(dev, name, 0755) < 0 || (point = openat(dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
    fail_path(report_fd, "create the mount point", path);
  context = fs_open(type);
  if (context >= 0 && fs_set_list(context, options) == 0)
    fs = fs_mount(context, attrs);
  if (fs < 0 || attach_mount(fs, point) < 0) {
    if (required)
      fail_path(report_fd, "mount a new file system at", path);
  }
  close(point);
  if (fs >= 0)
    close(fs);
}

static void bind_node(int report_fd, int dev, const char *name, int source) {
  char path[64];
  int point = openat(dev, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);

  dev_path(path, sizeof path, name);
  if (point < 0)
    fail_path(report_fd, "create the mount point", path);
  close(point);
  point = openat(dev, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (point < 0 || attach_mount(source, point) < 0)
    fail_path(report_fd, "bind a host device at", path);
  close(point);
}

void mount_dev(const struct ct_spawn_config *config, int report_fd, int root_fd,
               const struct dev_sources *sources) {
  char path[64];
  int point = mount_point(report_fd, root_fd, "/dev", POINT_DIR | POINT_NO_LINKS, 0);
  int context = fs_open("tmpfs"), dev = -1;

  if (context >= 0 && fs_set_list(context, "mode=755,size=64k,nr_inodes=1024") == 0)
    dev = fs_mount(context, MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
  if (dev < 0)
    fail_path(report_fd, "mount a tmpfs at", "/dev");
  mount_at(report_fd, dev, point, "mount a tmpfs at", "/dev", 0);
  close(point);
  /* A new devpts instance: the container's ptys are not the host's. */
  mount_in_dev(report_fd, dev, "pts", "devpts", config->devpts_options,
               MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 1);
  mount_in_dev(report_fd, dev, "shm", "tmpfs", "mode=1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 1);
  /* mqueue follows the new IPC namespace; not every kernel has it. */
  mount_in_dev(report_fd, dev, "mqueue", "mqueue", NULL,
               MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0);
  for (int i = 0; devices[i]; i++)
    bind_node(report_fd, dev, devices[i], sources->devices[i]);
  if (sources->console >= 0)
    bind_node(report_fd, dev, "console", sources->console);
  for (int i = 0; links[i][0]; i++)
    if (symlinkat(links[i][1], dev, links[i][0]) < 0)
      fail_path(report_fd, "create a link", dev_path(path, sizeof path, links[i][0]));
  close(dev);
}
