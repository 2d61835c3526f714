/* Why execve() failed on a file that exists, in terms a user can act on:
 * its ELF or #! interpreter is missing, it is a dangling link, or it is a
 * directory. Runs in the child after a failed exec(): system calls only. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "child.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_DATA ELFDATA2LSB
#else
#define HOST_DATA ELFDATA2MSB
#endif

/* Reads a string of size bytes at offset, NUL-terminated in buffer. */
static int read_string(int fd, off_t offset, size_t size, char *buffer, size_t space) {
  ssize_t got;

  if (size >= space)
    size = space - 1;
  got = pread(fd, buffer, size, offset);
  if (got <= 0)
    return -1;
  buffer[got] = 0;
  return buffer[0] ? 0 : -1;
}

/* The PT_INTERP of an ELF file of this machine's byte order. */
static int elf_interpreter(int fd, char *buffer, size_t space) {
  union {
    unsigned char ident[EI_NIDENT];
    Elf32_Ehdr e32;
    Elf64_Ehdr e64;
  } header;
  int wide;
  off_t offset;
  size_t count, entry;

  if (pread(fd, &header, sizeof header, 0) < (ssize_t) sizeof header.e32
      || memcmp(header.ident, ELFMAG, SELFMAG) != 0
      || header.ident[EI_DATA] != HOST_DATA)
    return -1;
  wide = header.ident[EI_CLASS] == ELFCLASS64;
  offset = wide ? (off_t) header.e64.e_phoff : header.e32.e_phoff;
  count = wide ? header.e64.e_phnum : header.e32.e_phnum;
  entry = wide ? header.e64.e_phentsize : header.e32.e_phentsize;
  if (entry < (wide ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
    return -1;
  for (size_t i = 0; i < count && i < 256; i++) {
    union { Elf32_Phdr p32; Elf64_Phdr p64; } program;

    if (pread(fd, &program, entry < sizeof program ? entry : sizeof program,
              offset + i * entry) <= 0)
      return -1;
    if ((wide ? program.p64.p_type : program.p32.p_type) == PT_INTERP)
      return wide
        ? read_string(fd, program.p64.p_offset, program.p64.p_filesz, buffer, space)
        : read_string(fd, program.p32.p_offset, program.p32.p_filesz, buffer, space);
  }
  return -1;
}

/* The interpreter named on a #! line, as the kernel reads it. */
static int script_interpreter(int fd, char *buffer, size_t space) {
  char line[256];
  ssize_t got = pread(fd, line, sizeof line - 1, 0);
  size_t start = 2, end;

  if (got < 3 || line[0] != '#' || line[1] != '!')
    return -1;
  line[got] = 0;
  while (line[start] == ' ' || line[start] == '\t')
    start++;
  end = start + strcspn(line + start, " \t\n");
  if (end == start || end - start >= space)
    return -1;
  memcpy(buffer, line + start, end - start);
  buffer[end - start] = 0;
  return 0;
}

/* Which interpreter of path is missing, ELF or #!; a #! interpreter that
 * is there may itself miss its ELF one: path then becomes that. */
static int missing_interpreter(char *path, char *detail, size_t space) {
  char current[PATH_MAX];

  memcpy(current, path, strlen(path) + 1);
  for (int depth = 0; depth < 2; depth++) {
    int fd = open(current, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    int kind = CT_EXEC_ERROR;

    if (fd < 0)
      return CT_EXEC_ERROR;
    if (elf_interpreter(fd, detail, space) == 0)
      kind = CT_EXEC_ELF_INTERPRETER;
    else if (script_interpreter(fd, detail, space) == 0)
      kind = CT_EXEC_SCRIPT_INTERPRETER;
    close(fd);
    if (kind == CT_EXEC_ERROR)
      return kind;
    if (access(detail, F_OK) < 0) {
      memcpy(path, current, strlen(current) + 1);
      return kind;
    }
    if (strlen(detail) >= sizeof current)
      return CT_EXEC_ERROR;
    memcpy(current, detail, strlen(detail) + 1);
  }
  return CT_EXEC_ERROR;
}

static int examine(char *path, int error, char *detail, size_t space) {
  struct stat link, target;
  ssize_t length;

  if (lstat(path, &link) < 0)
    return CT_EXEC_ERROR;
  if (stat(path, &target) < 0) {
    if (!S_ISLNK(link.st_mode) || errno != ENOENT)
      return CT_EXEC_ERROR;
    length = readlink(path, detail, space - 1);
    if (length <= 0)
      return CT_EXEC_ERROR;
    detail[length] = 0;
    return CT_EXEC_DANGLING_LINK;
  }
  if (S_ISDIR(target.st_mode))
    return CT_EXEC_DIRECTORY;
  return error == ENOENT ? missing_interpreter(path, detail, space) : CT_EXEC_ERROR;
}

int explain_exec(int report_fd, const char *file, int error) {
  char path[PATH_MAX], detail[PATH_MAX];
  int kind = CT_EXEC_ERROR;

  path[0] = 0;
  if (file && strlen(file) < sizeof path) {
    memcpy(path, file, strlen(file) + 1);
    kind = examine(path, error, detail, sizeof detail);
  }
  report_path(report_fd, "exec", path, error, kind);
  if (kind == CT_EXEC_ELF_INTERPRETER || kind == CT_EXEC_SCRIPT_INTERPRETER
      || kind == CT_EXEC_DANGLING_LINK)
    report_path(report_fd, "exec detail", detail, 0, 0);
  /* The statuses a shell gives: 127 for what is not there at all. */
  if (kind == CT_EXEC_DANGLING_LINK || (kind == CT_EXEC_ERROR && error == ENOENT))
    return 127;
  return 126;
}
