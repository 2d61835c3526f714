/* Overlays on a scratch tmpfs that only this child ever reaches: the
 * read-only view of a --ro-bind source, and the throwaway layer over DIR
 * of --ephemeral and --read-only. A read-only bind could be remounted
 * writable by the container's root; an overlay without an upper layer
 * has a read-only superblock, which no remount inside makes writable. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mounts.h"

int scratch_fs(int report_fd, int dir_fd) {
  int context = fs_open("tmpfs"), fd = -1;

  if (context >= 0 && fs_set(context, "mode=0700") == 0)
    fd = fs_mount(context, 0);
  /* Attached (in this mount namespace only) at DIR, where the root will
   * cover it: kernels before 6.15 take overlay layers only from mounts
   * of the caller's namespace. It is gone with the host's tree at the
   * pivot. */
  if (fd < 0 || attach_mount(fd, dir_fd) < 0)
    fail(report_fd, "mount a tmpfs for the container's layers");
  return fd;
}

/* The top layer's directory is what the overlay's root shows: give it
 * the source's owner, mode and times. An owner outside the maps stays
 * the container's root. */
static int layer_dir(int scratch_fd, const char *name, int like_fd) {
  struct stat status;

  if (mkdirat(scratch_fd, name, 0755) < 0 || fstat(like_fd, &status) < 0)
    return -1;
  fchownat(scratch_fd, name, status.st_uid, status.st_gid, AT_SYMLINK_NOFOLLOW);
  fchmodat(scratch_fd, name, status.st_mode & 07777, 0);
  utimensat(scratch_fd, name, (struct timespec[2]) { status.st_atim, status.st_mtim }, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int overlay(const char *const *options) {
  int context = fs_open("overlay");

  if (context < 0)
    return -1;
  for (; *options; options++)
    if (fs_set(context, *options) < 0) {
      int error = errno;
      close(context);
      errno = error;
      return -1;
    }
  return fs_mount(context, 0);
}

int read_only_view(int scratch_fd, int source_fd, int index) {
  char name[16] = "view-", lower[128] = "lowerdir=";
  size_t used = 9, at = 5;

  name[at++] = 'a' + index / 26 % 26;
  name[at++] = 'a' + index % 26;
  name[at] = 0;
  if (layer_dir(scratch_fd, name, source_fd) < 0)
    return -1;
  /* Two lower layers and no upper one: read-only. One lower layer
   * alone is refused, and an empty top one changes nothing but the
   * root's attributes, copied above. */
  append_fd_path(lower, sizeof lower, &used, scratch_fd, name);
  lower[used++] = ':';
  append_fd_path(lower, sizeof lower, &used, source_fd, NULL);
  return overlay((const char *const[]) { lower, NULL });
}

int root_layer(int scratch_fd, int dir_fd) {
  char lower[64] = "lowerdir=", upper[64] = "upperdir=", work[64] = "workdir=";
  size_t lower_used = 9, upper_used = 9, work_used = 8;

  if (layer_dir(scratch_fd, "upper", dir_fd) < 0 || mkdirat(scratch_fd, "work", 0700) < 0)
    return -1;
  append_fd_path(lower, sizeof lower, &lower_used, dir_fd, NULL);
  append_fd_path(upper, sizeof upper, &upper_used, scratch_fd, "upper");
  append_fd_path(work, sizeof work, &work_used, scratch_fd, "work");
  /* userxattr: a user namespace cannot set the trusted.* attributes
   * overlayfs keeps its whiteouts and opaque directories in. */
  return overlay((const char *const[]) { lower, upper, work, "userxattr", NULL });
}
