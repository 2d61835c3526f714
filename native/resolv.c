/* The container's /etc/resolv.conf: a file contain wrote on the host
 * (naming the network helper's DNS forwarder), bound over DIR's own, which
 * stays as it is on disk. DIR's file may be missing, or a link that leads
 * nowhere or out of DIR: the bind goes on the link itself, never through
 * it, and a missing file gets an empty one as its mount point. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"

#define TARGET "/etc/resolv.conf"

static int source_fd = -1;

void resolv_open(const char *source, int report_fd) {
  if (!source)
    return;
  /* Still as the caller, who owns the file: container root may be
   * another host uid (contain run by root), unable to reach it. */
  source_fd = open(source, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (source_fd < 0)
    fail_path(report_fd, "open the DNS settings for", TARGET);
}

/* etc/resolv.conf under the working directory (DIR), made to exist. */
static void mount_point(int etc, int report_fd) {
  struct stat status;
  int fd;

  if (fstatat(etc, "resolv.conf", &status, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISDIR(status.st_mode)) {
      errno = EISDIR;
      fail_path(report_fd, "bind the DNS settings at", TARGET);
    }
    return;
  }
  if (errno != ENOENT)
    fail_path(report_fd, "look at", TARGET);
  fd = openat(etc, "resolv.conf", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0)
    fail_path(report_fd, "create a mount point at", TARGET);
  close(fd);
}

void resolv_bind(int report_fd) {
  int etc, tree;

  if (source_fd < 0)
    return;
  /* DIR without /etc has nowhere to read DNS settings from. */
  etc = open("etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (etc < 0 && errno == ENOENT)
    return;
  if (etc < 0)
    fail_path(report_fd, "open", "/etc");
  mount_point(etc, report_fd);
  tree = syscall(SYS_open_tree, source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0)
    fail_path(report_fd, "bind the DNS settings at", TARGET);
  /* Without MOVE_MOUNT_T_SYMLINKS: onto a link itself, not where it leads. */
  if (syscall(SYS_move_mount, tree, "", etc, "resolv.conf", MOVE_MOUNT_F_EMPTY_PATH) < 0)
    fail_path(report_fd, "bind the DNS settings at", TARGET);
  close(tree);
  close(etc);
  close(source_fd);
  source_fd = -1;
}
