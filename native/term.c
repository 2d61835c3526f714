/* The caller's terminal: raw while it is relayed, as it was after. */
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/stat.h>
#include <unistd.h>
#include "supervisor.h"

size_t term_state_size(void) {
  return sizeof(struct termios);
}

int term_raw(int fd, void *saved, size_t size) {
  struct termios mode;

  if (size < sizeof mode || tcgetattr(fd, saved) < 0)
    return -1;
  mode = *(struct termios *) saved;
  /* Output processing off too: the container's own pty already turned
   * each \n into \r\n, and a second pass would write \r\r\n. */
  cfmakeraw(&mode);
  return tcsetattr(fd, TCSADRAIN, &mode);
}

void term_restore(int fd, const void *saved) {
  tcsetattr(fd, TCSADRAIN, saved);
}

void copy_winsize(int from, int to) {
  struct winsize size;

  if (ioctl(from, TIOCGWINSZ, &size) == 0 && size.ws_row && size.ws_col)
    ioctl(to, TIOCSWINSZ, &size);
}

int term_post_off(int fd, void *saved, size_t size) {
  struct termios mode;

  if (size < sizeof mode || tcgetattr(fd, saved) < 0)
    return -1;
  mode = *(struct termios *) saved;
  mode.c_oflag &= ~OPOST;
  return tcsetattr(fd, TCSADRAIN, &mode);
}

int same_terminal(int a, int b) {
  struct stat first, second;

  return fstat(a, &first) == 0 && fstat(b, &second) == 0 && first.st_rdev == second.st_rdev;
}
