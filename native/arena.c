/* A copy of a spawn config, strings and arrays included, in memory of
 * our own: the child that ct_spawn() starts shares our memory and reads
 * its orders after koffi has reused the memory of the call's arguments.
 * The same code first measures the copy (an arena with no memory yet),
 * then makes it. */
#include <string.h>
#include "child.h"

void *take(struct arena *arena, size_t size) {
  char *piece = arena->next;

  size = (size + 15) & ~(size_t) 15;
  arena->size += size;
  if (piece)
    arena->next += size;
  return piece;
}

static const char *copy_string(struct arena *arena, const char *string) {
  size_t size;
  char *copy;

  if (!string)
    return NULL;
  size = strlen(string) + 1;
  copy = take(arena, size);
  if (copy)
    memcpy(copy, string, size);
  return copy;
}

static const char *const *copy_strings(struct arena *arena, const char *const *strings) {
  size_t count = 0;
  const char **copy;

  if (!strings)
    return NULL;
  while (strings[count])
    count++;
  copy = take(arena, (count + 1) * sizeof *copy);
  for (size_t i = 0; i < count; i++) {
    const char *string = copy_string(arena, strings[i]);
    if (copy)
      copy[i] = string;
  }
  if (copy)
    copy[count] = NULL;
  return copy;
}

static const int32_t *copy_fds(struct arena *arena, const int32_t *fds) {
  size_t count = 0;
  int32_t *copy;

  if (!fds)
    return NULL;
  while (fds[count++] >= 0)
    continue;
  copy = take(arena, count * sizeof *copy);
  if (copy)
    memcpy(copy, fds, count * sizeof *copy);
  return copy;
}

static const struct ct_mount *copy_mounts(struct arena *arena, const struct ct_mount *mounts,
                                          int count) {
  struct ct_mount *copy;

  if (!mounts || count <= 0)
    return NULL;
  copy = take(arena, count * sizeof *copy);
  for (int i = 0; i < count; i++) {
    struct ct_mount mount = mounts[i];
    mount.source = copy_string(arena, mount.source);
    mount.target = copy_string(arena, mount.target);
    mount.options = copy_strings(arena, mount.options);
    if (copy)
      copy[i] = mount;
  }
  return copy;
}

const struct ct_spawn_config *copy_config(struct arena *arena,
                                          const struct ct_spawn_config *from) {
  struct ct_spawn_config *copy = take(arena, sizeof *copy), to = *from;

  to.root = copy_string(arena, from->root);
  to.mounts = copy_mounts(arena, from->mounts, from->mount_count);
  to.console_path = copy_string(arena, from->console_path);
  to.devpts_options = copy_string(arena, from->devpts_options);
  to.hostname = copy_string(arena, from->hostname);
  to.init_command = copy_string(arena, from->init_command);
  to.init_program = copy_string(arena, from->init_program);
  to.helper_env = copy_strings(arena, from->helper_env);
  to.file = copy_string(arena, from->file);
  to.search_path = copy_string(arena, from->search_path);
  to.argv = copy_strings(arena, from->argv);
  to.envp = copy_strings(arena, from->envp);
  to.keep_fds = copy_fds(arena, from->keep_fds);
  if (copy)
    *copy = to;
  return copy;
}
