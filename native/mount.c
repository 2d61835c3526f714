/* The container's file system, in the order the kernel needs: what comes
 * from the host is opened while the host's tree is still there; the root
 * (DIR, or DIR under a throwaway layer) covers DIR, in this mount
 * namespace only; /dev, /proc, /sys and the mounts asked for go on mount
 * points found inside it; the -i command runs; the root is made read-only
 * if asked; and pivot_root() leaves the host's tree behind. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "mounts.h"

_Noreturn void fail_mount(int report_fd, const char *step, const char *path, int index) {
  report_path(report_fd, step, path, errno, index);
  give_up(126);
}

/* What the -i command left running would go on inside, a host program
 * with the caller's environment. We are PID 1 of the new PID namespace,
 * where kill(-1) reaches every process but us and nothing outside: kill
 * and reap until none is left, as one forked meanwhile escapes a round. */
static void end_leftovers(int report_fd) {
  if (getpid() != 1)
    return;
  while (kill(-1, SIGKILL) == 0)
    if (waitpid(-1, NULL, __WALL) < 0 && errno != EINTR && errno != ECHILD)
      fail(report_fd, "reap what the -i command left running");
  if (errno != ESRCH)
    fail(report_fd, "end what the -i command left running");
}

static void run_init_command(const struct ct_spawn_config *config, int report_fd) {
  const char *argv[] = { "/bin/sh", "-c", config->init_command, NULL };
  int status;
  long pid = clone_child(0);

  if (pid < 0)
    fail(report_fd, "start the -i command");
  if (pid == 0) {
    /* Its failure is ours to undo, not its own: it shares our mounts. */
    when_failing(NULL);
    exec_command(-1, argv[0], NULL, argv, config->helper_env);
  }
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      fail(report_fd, "wait for the -i command");
  if (status != 0) {
    report(report_fd, "-i command", 0, status);
    give_up(125);
  }
  end_leftovers(report_fd);
}

/* Overlays need the scratch tmpfs: a throwaway root, a read-only view. */
static int needs_layers(const struct ct_spawn_config *config) {
  if (config->root_mode != CT_ROOT_DIR)
    return 1;
  for (int i = 0; i < config->mount_count; i++)
    if (config->mounts[i].kind == CT_RO_BIND)
      return 1;
  return 0;
}

/* The new root, detached: a clone of DIR with the mounts below it, made
 * before the scratch tmpfs covers DIR (or it would be in it), or an
 * overlay with DIR as its lower layer and the upper one on that tmpfs. */
static int make_root(const struct ct_spawn_config *config, int report_fd, int dir_fd, int *sources,
                     int *scratch_fd) {
  int root = -1;

  if (config->root_mode == CT_ROOT_DIR
      && (root = clone_tree(dir_fd, "", AT_EMPTY_PATH | AT_RECURSIVE)) < 0)
    fail_path(report_fd, "bind the root directory", config->root);
  if (!needs_layers(config))
    return root;
  *scratch_fd = scratch_fs(report_fd, dir_fd);
  make_read_only_views(config, report_fd, *scratch_fd, sources);
  if (root < 0 && (root = root_layer(*scratch_fd, dir_fd)) < 0)
    fail_path(report_fd, "mount an overlay of the root", config->root);
  return root;
}

static void leave_host(int report_fd) {
  /* Stack the old root on the new one, then detach it: nothing of the
   * host's tree stays reachable, the scratch tmpfs included. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    fail(report_fd, "pivot_root");
  note_pivot();
  if (umount2(".", MNT_DETACH) < 0)
    fail(report_fd, "detach the host root");
  if (chdir("/") < 0)
    fail(report_fd, "chdir /");
}

/* What the new root is made of, opened while we are still the caller. */
static struct {
  int dir_fd, sys_source, sources[MAX_MOUNTS];
  struct dev_sources dev_sources;
} prepared;

void prepare_root(const struct ct_spawn_config *config, int report_fd) {
  if (config->mount_count > MAX_MOUNTS) {
    errno = E2BIG;
    fail(report_fd, "prepare the mounts");
  }
  /* Private first: no mount made below may propagate to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    fail(report_fd, "make mounts private");
  if ((prepared.dir_fd = open(config->root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
    fail_path(report_fd, "open the root directory", config->root);
  open_dev_sources(config, report_fd, &prepared.dev_sources);
  prepared.sys_source = open_sys_source(config, report_fd);
  open_mount_sources(config, report_fd, prepared.sources);
}

void enter_root(const struct ct_spawn_config *config, int report_fd) {
  int *sources = prepared.sources, dir_fd = prepared.dir_fd, scratch_fd = -1, root;

  make_tmpfs_sources(config, report_fd, sources);
  root = make_root(config, report_fd, dir_fd, sources, &scratch_fd);
  /* At DIR (over the scratch tmpfs): the -i command runs in it there,
   * and pivot_root() needs the new root to be a mount. */
  if (attach_mount(root, dir_fd) < 0 || fchdir(root) < 0)
    fail_path(report_fd, "mount the root at", config->root);
  note_root(root);
  mount_dev(config, report_fd, root, &prepared.dev_sources);
  mount_proc_sys(config, report_fd, root, prepared.sys_source);
  attach_mounts(config, report_fd, root, sources);
  if (config->init_command)
    run_init_command(config, report_fd);
  /* Read-only for good: the layer's superblock, which the container
   * never sees and so cannot remount; and the root mount, for the
   * mount table to say so. */
  if (config->root_mode == CT_ROOT_READ_ONLY
      && (freeze_fs(scratch_fd) < 0 || set_attrs(root, 0, MOUNT_ATTR_RDONLY) < 0))
    fail(report_fd, "make the root read-only");
  leave_host(report_fd);
}
