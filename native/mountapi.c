/* The new mount API (Linux 5.2; openat2 5.6, mount_setattr 5.12) as raw
 * system calls: not every C library wraps them, and a cloned child of a
 * threaded process makes raw calls anyway. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "mounts.h"

int clone_tree(int dirfd, const char *path, unsigned flags) {
  return syscall(SYS_open_tree, dirfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags);
}

int attach_mount(int mount_fd, int point_fd) {
  /* Onto the mount point's own dentry, held open: nothing is looked up
   * again between finding the mount point and mounting there. */
  return syscall(SYS_move_mount, mount_fd, "", point_fd, "",
                 MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int set_attrs(int mount_fd, unsigned flags, uint64_t attrs) {
  struct mount_attr attr = { .attr_set = attrs };

  return syscall(SYS_mount_setattr, mount_fd, "", AT_EMPTY_PATH | flags, &attr, sizeof attr);
}

int open_in_root(int root_fd, const char *path, int flags, uint64_t resolve) {
  /* The root is / for absolute links and "..": nothing resolves outside
   * it. Magic links (/proc/PID/root and the like) would. */
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | resolve,
  };

  return syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

int fs_open(const char *type) {
  int context = syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);

  /* Named by its type in mount tables, as mount(8) would name it. */
  if (context >= 0)
    syscall(SYS_fsconfig, context, FSCONFIG_SET_STRING, "source", type, 0);
  return context;
}

int fs_set(int context, const char *option) {
  char key[64];
  const char *value = strchr(option, '=');
  size_t length = value ? (size_t) (value - option) : strlen(option);

  if (length == 0 || length >= sizeof key) {
    errno = EINVAL;
    return -1;
  }
  memcpy(key, option, length);
  key[length] = 0;
  if (!value)
    return syscall(SYS_fsconfig, context, FSCONFIG_SET_FLAG, key, NULL, 0);
  return syscall(SYS_fsconfig, context, FSCONFIG_SET_STRING, key, value + 1, 0);
}

int fs_set_list(int context, const char *options) {
  char option[256];

  while (options && *options) {
    size_t length = strcspn(options, ",");

    if (length >= sizeof option) {
      errno = EINVAL;
      return -1;
    }
    memcpy(option, options, length);
    option[length] = 0;
    if (length > 0 && fs_set(context, option) < 0)
      return -1;
    options += length + (options[length] == ',');
  }
  return 0;
}

int fs_mount(int context, unsigned attrs) {
  int fd = -1, error;

  if (syscall(SYS_fsconfig, context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
    fd = syscall(SYS_fsmount, context, FSMOUNT_CLOEXEC, attrs);
  error = errno;
  close(context);
  errno = error;
  return fd;
}

int freeze_fs(int mount_fd) {
  int context = syscall(SYS_fspick, mount_fd, "", FSPICK_EMPTY_PATH | FSPICK_CLOEXEC), result = -1, error;

  if (context < 0)
    return -1;
  if (syscall(SYS_fsconfig, context, FSCONFIG_SET_FLAG, "ro", NULL, 0) == 0)
    result = syscall(SYS_fsconfig, context, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0);
  error = errno;
  close(context);
  errno = error;
  return result;
}

static void append(char *to, size_t size, size_t *used, const char *text) {
  size_t length = strlen(text);

  if (*used + length >= size)
    length = size - 1 - *used;
  memcpy(to + *used, text, length);
  *used += length;
  to[*used] = 0;
}

void append_fd_path(char *to, size_t size, size_t *used, int fd, const char *name) {
  char digits[12];
  int at = sizeof digits - 1;

  digits[at] = 0;
  do
    digits[--at] = '0' + fd % 10;
  while ((fd /= 10) > 0 && at > 0);
  append(to, size, used, "/proc/self/fd/");
  append(to, size, used, digits + at);
  if (name) {
    append(to, size, used, "/");
    append(to, size, used, name);
  }
}
