// CVE-2019-5736: while inject's process enters the container it runs a
// host binary (node); nothing in the container may open it through
// /proc/PID/exe before CMD is exec'd.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxRoot, cli } from './helpers.mjs';
import { compileStatic, startContainer } from './inject-container.mjs';

// Loops over /proc/*/exe until FILE exists: every exe that is neither
// busybox nor itself is opened and printed; refusals are counted.
const WATCHER_SOURCE = `
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char self[4096], path[64], exe[4096];
  long scans = 0, refused = 0;
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n < 0 ? 0 : n] = 0;
  while (access(argv[1], F_OK) != 0) {
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while ((entry = readdir(proc))) {
      if (entry->d_name[0] < '1' || entry->d_name[0] > '9')
        continue;
      snprintf(path, sizeof path, "/proc/%s/exe", entry->d_name);
      n = readlink(path, exe, sizeof exe - 1);
      if (n < 0) {
        refused += errno == EACCES;
        continue;
      }
      exe[n] = 0;
      if (!strcmp(exe, "/bin/busybox") || !strcmp(exe, self))
        continue;
      int fd = open(path, O_RDONLY);
      printf("%s %s\\n", fd >= 0 ? "opened" : "saw", exe);
      if (fd >= 0)
        close(fd);
    }
    closedir(proc);
    scans++;
  }
  printf("scans %ld refused %ld\\n", scans, refused);
  return 0;
}
`;

test('a watcher of /proc/*/exe in the container never opens a host binary during 100 injects', async (t) => {
  const root = busyboxRoot(t);
  compileStatic(root, 'exewatch', WATCHER_SOURCE);
  const c = await startContainer(t, ['-c', root, 'sh', '-c', 'exec exewatch /tmp/stop > /tmp/watched'],
    { ready: 'exewatch' });
  for (let i = 0; i < 100; i++) {
    const r = cli('inject', [String(c.pid), 'true']);
    assert.equal(r.status, 0, r.stderr);
  }
  writeFileSync(join(root, 'tmp/stop'), '');
  const ended = await c.ended;
  assert.equal(ended.status, 0, ended.stderr);
  const lines = readFileSync(join(root, 'tmp/watched'), 'utf8').trim().split('\n');
  const [summary] = lines.splice(-1);
  assert.deepEqual(lines, [], 'exe links the watcher could follow');
  const [, scans, refused] = /^scans (\d+) refused (\d+)$/.exec(summary).map(Number);
  assert.ok(scans > 0);
  // Not vacuous: it did catch injected processes before their exec, and
  // each time the kernel refused it their exe.
  assert.ok(refused > 0, summary);
});
