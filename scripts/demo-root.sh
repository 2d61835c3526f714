#!/bin/sh
# demo-root.sh [DIR]: builds a small root file system for contain(1) in DIR
# (default ./demo-root) from nothing but the host: bash, coreutils and a few
# tools, the shared libraries ldd says they need, the dynamic loader, and
# /etc files written fresh. Runs as an unprivileged user: the host's files
# are copied with `tar -c -C / ... | pseudo tar -x`, so that in DIR they
# belong to root of the container. Run again on a DIR it made, it says
# so and leaves it as it is.
set -eu

prog=demo-root
die() {
  echo "$prog: $*" >&2
  exit 1
}

DIR=${1:-./demo-root}
[ $# -le 1 ] || die "usage: sh scripts/demo-root.sh [DIR]"

# pseudo from PATH, else this checkout's.
here=$(cd "$(dirname "$0")" && pwd -P)
PSEUDO=$(command -v pseudo || true)
[ -n "$PSEUDO" ] || PSEUDO=$here/../packages/pseudo/bin/pseudo
[ -x "$PSEUDO" ] || die "pseudo not found in PATH or at $PSEUDO (run npm install)"
command -v ldd >/dev/null || die "ldd not found (it comes with the C library: libc-bin)"

# The programs: a shell, coreutils, and a few tools to look around with.
PROGRAMS="bash sh
  cat chgrp chmod chown cp cut date dd df dirname du echo env expr false head id
  ln ls mkdir mktemp mv nproc printf pwd readlink realpath rm rmdir seq sleep
  sort stat sync tail tee test touch tr true tty uname uniq wc whoami yes [
  basename
  grep sed hostname ps kill mount umount"
# Terminal descriptions for an interactive bash on contain's console.
TERMINFO="xterm xterm-256color linux vt100 vt220 dumb screen screen-256color tmux tmux-256color"

# The last file written: a DIR that has it is complete.
MARK=.demo-root

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
if [ -e "$DIR/$MARK" ]; then
  echo "$prog: $DIR is built already"
  exit 0
fi
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty (to start over: pseudo rm -rf $DIR)"
# DIR must belong to root of the namespace: the caller, unless the caller
# is root, whose pseudo maps container root onto another id.
owner=$("$PSEUDO" sh -c 'awk "\$1 == 0 { print \$2 }" /proc/self/uid_map; awk "\$1 == 0 { print \$2 }" /proc/self/gid_map' | paste -sd:)
chown "$owner" "$DIR"

list=$(mktemp)
trap 'rm -f "$list"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Records absolute path $1 for copying: with the directory part resolved
# to where it really is, every symbolic link on the way (a merged /usr
# links /bin and /lib) and every link in a chain up to the file itself.
add() {
  local path dir name up target
  path=$1
  while :; do
    dir=$(dirname "$path") name=$(basename "$path")
    up=$dir
    while [ "$up" != / ]; do
      [ -L "$up" ] && add "$up"
      up=$(dirname "$up")
    done
    dir=$(readlink -f "$dir")
    path=${dir%/}/$name
    echo "$path" >>"$list"
    [ -L "$path" ] || break
    target=$(readlink "$path")
    case $target in
      /*) path=$target ;;
      *) path=$dir/$target ;;
    esac
  done
}

# The path of program $1, by a PATH search that ignores shell builtins.
locate() {
  local dir
  for dir in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
    if [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then
      echo "$dir/$1"
      return
    fi
  done
}

# /bin/sh and /bin/bash must work: keep the host's top-level links (a
# merged /usr has /bin -> usr/bin), whatever the search below finds first.
for top in /bin /sbin /lib /lib32 /lib64 /libx32; do
  [ -L "$top" ] && add "$top"
done
for program in $PROGRAMS; do
  path=$(locate "$program")
  if [ -z "$path" ]; then
    [ "$program" != bash ] || die "bash not found on this host"
    echo "$prog: no $program on this host, left out" >&2
    continue
  fi
  add "$path"
  # "libc.so.6 => /lib/.../libc.so.6 (0x...)", and the loader as
  # "/lib64/ld-linux-x86-64.so.2 (0x...)"; static programs need nothing.
  for lib in $(ldd "$path" 2>/dev/null | sed -n -e 's/.*=> \(\/[^ ]*\) .*/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
    add "$lib"
  done
done
for name in $TERMINFO; do
  for base in /usr/share/terminfo /lib/terminfo /etc/terminfo; do
    file=$base/$(printf %.1s "$name")/$name
    [ -e "$file" ] && add "$file" && break
  done
done

# Copy as they are, but without setuid and setgid bits: in DIR the files
# belong to the caller's ids, and no one needs them setuid there.
sort -u "$list" | sed 's|^/||' |
  tar -c -C / --no-recursion --numeric-owner --mode=u-s,g-s -T - -f - |
  "$PSEUDO" tar -x -p --numeric-owner -C "$DIR" -f -

# The rest is written fresh, as root of the namespace, not taken from the
# host: its accounts are none of the container's business.
"$PSEUDO" sh -eu -c '
  cd "$1"
  mkdir -p etc root tmp proc sys dev run var/tmp home
  chmod 700 root
  chmod 1777 tmp var/tmp
  printf "%s\n" "root:x:0:0:root:/root:/bin/bash" \
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin" >etc/passwd
  printf "%s\n" "root:x:0:" "tty:x:5:" "nogroup:x:65534:" >etc/group
  printf "%s\n" "passwd: files" "group: files" "hosts: files" >etc/nsswitch.conf
  printf "%s\n" "127.0.0.1 localhost" "::1 localhost" >etc/hosts
  echo demo >etc/hostname
  printf "%s\n" "PS1=\"\\u@\\h:\\w\\\\$ \"" "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" >etc/profile
  chmod 644 etc/passwd etc/group etc/nsswitch.conf etc/hosts etc/hostname etc/profile
  echo "made by scripts/demo-root.sh" >"$2"
' demo-root "$DIR" "$MARK"

echo "$prog: $DIR: $(sort -u "$list" | wc -l) files and links from the host"
