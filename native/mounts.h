/* The container's file system, built in the cloned child: mounts are
 * made detached with the new mount API, and attached on mount points
 * found inside the new root, where no symbolic link leads out of it. */
#ifndef MOUNTS_H
#define MOUNTS_H

#include <stdint.h>
#include "child.h"

/* The most mounts a container may ask for (TypeScript checks it first). */
#define MAX_MOUNTS 64

/* mountapi.c: the new mount API as raw system calls. Each returns a
 * file descriptor or 0, or -1 with errno set. */
int clone_tree(int dirfd, const char *path, unsigned flags);
int attach_mount(int mount_fd, int point_fd);
int set_attrs(int mount_fd, unsigned flags, uint64_t attrs);
int open_in_root(int root_fd, const char *path, int flags, uint64_t resolve);
/* A new file system: fs_open(), then fs_set() per option, then
 * fs_mount() gives its detached mount and closes the context. */
int fs_open(const char *type);
int fs_set(int context, const char *option);
int fs_set_list(int context, const char *options);
int fs_mount(int context, unsigned attrs);
/* Makes a mounted file system read-only for good: its superblock. */
int freeze_fs(int mount_fd);
/* "/proc/self/fd/FD/NAME" (NAME may be NULL) appended at to[*used]. */
void append_fd_path(char *to, size_t size, size_t *used, int fd, const char *name);

/* mountpoint.c: mount points inside the root, and their undoing. */
#define POINT_DIR 1      /* a directory (else a file) */
#define POINT_NO_LINKS 2 /* contain's own: a link on the way is refused */
#define POINT_ON_LINK 4  /* a link as the last component is the mount point */
/* An O_PATH fd of `path` in the root, with what is missing created;
 * failures are reported naming path, with `index` as the status. */
int mount_point(int report_fd, int root_fd, const char *path, int flags, int index);
/* The root mount, attached at DIR: a failed start detaches it. */
void note_root(int root_fd);
/* pivot_root() is done: paths now resolve in the new root. */
void note_pivot(void);
/* Attaches mount_fd on point_fd (from mount_point()), remembering that
 * a created mount point at path has a mount on it. */
void mount_at(int report_fd, int mount_fd, int point_fd, const char *step, const char *path, int index);

/* overlay.c: overlays on the scratch tmpfs (the container's layers). */
int scratch_fs(int report_fd, int dir_fd);
int read_only_view(int scratch_fd, int source_fd, int index);
int root_layer(int scratch_fd, int dir_fd);

/* dev.c, kernel.c and binds.c: what is mounted where. */
struct dev_sources {
  int devices[8];           /* clones of the host's nodes, -1 terminated */
  int console;              /* clone of the console's slave, or -1 */
};
void open_dev_sources(const struct ct_spawn_config *config, int report_fd, struct dev_sources *sources);
void mount_dev(const struct ct_spawn_config *config, int report_fd, int root_fd,
               const struct dev_sources *sources);
int open_sys_source(const struct ct_spawn_config *config, int report_fd);
void mount_proc_sys(const struct ct_spawn_config *config, int report_fd, int root_fd, int sys_source);
void make_tmpfs_sources(const struct ct_spawn_config *config, int report_fd, int *sources);
void open_mount_sources(const struct ct_spawn_config *config, int report_fd, int *sources);
void make_read_only_views(const struct ct_spawn_config *config, int report_fd, int scratch_fd, int *sources);
void attach_mounts(const struct ct_spawn_config *config, int report_fd, int root_fd, const int *sources);

_Noreturn void fail_mount(int report_fd, const char *step, const char *path, int index);

#endif
