/* The kernel's file systems of the container: /proc of the new PID
 * namespace, /sys, and cgroup2 of the new cgroup namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <unistd.h>
#include "mounts.h"

int open_sys_source(const struct ct_spawn_config *config, int report_fd) {
  int fd;

  if (!config->bind_sys)
    return -1;
  /* sysfs can only be mounted by the owner of the network namespace:
   * with the host's network, show the host's /sys, read-only. */
  fd = clone_tree(AT_FDCWD, "/sys", AT_RECURSIVE);
  if (fd < 0 || set_attrs(fd, AT_RECURSIVE, MOUNT_ATTR_RDONLY) < 0)
    fail_path(report_fd, "bind the host's /sys", "/sys");
  return fd;
}

static int new_fs(const char *type, const char *options, unsigned attrs) {
  int context = fs_open(type);

  if (context < 0)
    return -1;
  if (fs_set_list(context, options) < 0) {
    close(context);
    return -1;
  }
  return fs_mount(context, attrs);
}

static void mount_kernel_fs(int report_fd, int root_fd, const char *path, int fs) {
  int point;

  if (fs < 0)
    fail_path(report_fd, "mount a new file system at", path);
  point = mount_point(report_fd, root_fd, path, POINT_DIR | POINT_NO_LINKS, 0);
  mount_at(report_fd, fs, point, "mount a new file system at", path, 0);
  close(point);
  close(fs);
}

void mount_proc_sys(const struct ct_spawn_config *config, int report_fd, int root_fd, int sys_source) {
  const unsigned safe = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

  /* Mounted from inside the new PID namespace, so it shows only ours. */
  mount_kernel_fs(report_fd, root_fd, "/proc", new_fs("proc", NULL, safe));
  if (sys_source < 0)
    sys_source = new_fs("sysfs", "ro", safe | MOUNT_ATTR_RDONLY);
  mount_kernel_fs(report_fd, root_fd, "/sys", sys_source);
  if (config->cgroup2)
    mount_kernel_fs(report_fd, root_fd, "/sys/fs/cgroup", new_fs("cgroup2", NULL, safe));
}
