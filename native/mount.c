/* The container's file system: DIR as /, with a synthetic /dev, its own
 * /proc and /sys, entered with pivot_root() so the host's root is gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>
#include "child.h"

static const char *const devices[] = {
  "null", "zero", "full", "random", "urandom", "tty", NULL
};

static const char *const links[][2] = {
  { "ptmx", "pts/ptmx" }, { "fd", "/proc/self/fd" },
  { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "core", "/proc/kcore" }, { NULL, NULL }
};

static void ensure_dir(int report_fd, const char *path) {
  if (mkdir(path, 0755) < 0 && errno != EEXIST)
    fail(report_fd, "create a mount point in the new root");
}

static void bind_file(int report_fd, const char *source, const char *target) {
  int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0666);

  if (fd < 0)
    fail(report_fd, "create a device node in /dev");
  close(fd);
  if (mount(source, target, NULL, MS_BIND, NULL) < 0)
    fail(report_fd, "bind a host device into /dev");
}

static void in_dev(char *path, size_t size, const char *name) {
  size_t length = strlen(name);

  if (length + 5 > size)
    length = size - 5;
  memcpy(path, "dev/", 4);
  memcpy(path + 4, name, length);
  path[4 + length] = 0;
}

static void mount_dev(const struct ct_spawn_config *config, int report_fd) {
  char path[64], source[64];

  ensure_dir(report_fd, "dev");
  if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=64k,nr_inodes=1024") < 0)
    fail(report_fd, "mount tmpfs at /dev");
  ensure_dir(report_fd, "dev/pts");
  ensure_dir(report_fd, "dev/shm");
  ensure_dir(report_fd, "dev/mqueue");
  /* A new devpts instance: the container's ptys are not the host's. */
  if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, config->devpts_options) < 0)
    fail(report_fd, "mount devpts at /dev/pts");
  if (mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
    fail(report_fd, "mount tmpfs at /dev/shm");
  /* mqueue follows the new IPC namespace; not every kernel has it. */
  mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  /* No mknod() in a user namespace: bind the host's nodes instead. */
  for (int i = 0; devices[i]; i++) {
    memcpy(source, "/", 2);
    in_dev(source + 1, sizeof source - 1, devices[i]);
    in_dev(path, sizeof path, devices[i]);
    bind_file(report_fd, source, path);
  }
  if (config->console_path)
    bind_file(report_fd, config->console_path, "dev/console");
  for (int i = 0; links[i][0]; i++) {
    in_dev(path, sizeof path, links[i][0]);
    if (symlink(links[i][1], path) < 0)
      fail(report_fd, "create a link in /dev");
  }
}

static void make_read_only(int report_fd, const char *path) {
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

  if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) < 0)
    fail(report_fd, "make /sys read-only");
}

static void mount_sys(const struct ct_spawn_config *config, int report_fd) {
  ensure_dir(report_fd, "sys");
  if (config->bind_sys) {
    /* sysfs can only be mounted by the owner of the network namespace:
     * with the host's network, show the host's /sys, read-only. */
    if (mount("/sys", "sys", NULL, MS_BIND | MS_REC, NULL) < 0)
      fail(report_fd, "bind /sys");
    make_read_only(report_fd, "sys");
  } else if (mount("sysfs", "sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
    fail(report_fd, "mount sysfs at /sys");
  }
  if (config->cgroup2
      && mount("cgroup2", "sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    fail(report_fd, "mount cgroup2 at /sys/fs/cgroup");
}

static void run_init_command(const struct ct_spawn_config *config, int report_fd) {
  const char *argv[] = { "/bin/sh", "-c", config->init_command, NULL };
  int status;
  long pid = clone_child(0);

  if (pid < 0)
    fail(report_fd, "start the -i command");
  if (pid == 0)
    exec_command(-1, argv[0], NULL, argv, config->helper_env);
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      fail(report_fd, "wait for the -i command");
  if (status != 0) {
    report(report_fd, "-i command", 0, status);
    _exit(125);
  }
}

void enter_root(const struct ct_spawn_config *config, int report_fd) {
  /* Private first: no mount made below may propagate to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    fail(report_fd, "make mounts private");
  /* pivot_root() needs the new root to be a mount point. */
  if (mount(config->root, config->root, NULL, MS_BIND | MS_REC, NULL) < 0)
    fail(report_fd, "bind the root directory");
  if (chdir(config->root) < 0)
    fail(report_fd, "enter the root directory");
  mount_dev(config, report_fd);
  ensure_dir(report_fd, "proc");
  /* Mounted from inside the new PID namespace, so it shows only ours. */
  if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    fail(report_fd, "mount /proc");
  mount_sys(config, report_fd);
  resolv_bind(report_fd);
  if (config->init_command)
    run_init_command(config, report_fd);
  /* Stack the old root on the new one, then detach it: nothing of the
   * host's tree stays reachable. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    fail(report_fd, "pivot_root");
  if (umount2(".", MNT_DETACH) < 0)
    fail(report_fd, "detach the host root");
  if (chdir("/") < 0)
    fail(report_fd, "chdir /");
}
