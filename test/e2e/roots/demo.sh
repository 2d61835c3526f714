#!/bin/sh
# The demo root from the host: the host's own programs and the libraries
# they load, copied with their /bin, /lib and /lib64 layout, as
# `tar -c -C / bin lib lib64 usr` would, but only what the suite runs.
set -eu
DIR=$1
PROGRAMS="bash sh ls cat id ps hostname mount umount mkdir sleep env readlink grep true false
  sed touch rm"
# Where the host keeps a program (not a shell builtin of the same name).
find_program() {
  for dir in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return; }
  done
  echo "demo.sh: $1 not found on the host" >&2
  exit 1
}
files=""
for program in $PROGRAMS; do
  path=$(find_program "$program")
  files="$files $path $(realpath "$path")"
  # The loader and every library, both by the name the program asks for
  # and by the file that name leads to.
  for library in $(ldd "$path" | grep -o '/[^ ]*'); do
    files="$files $(realpath "$(dirname "$library")")/$(basename "$library") $(realpath "$library")"
  done
done
# The top-level links (bin -> usr/bin on a merged-/usr host) come first.
tops=""
for top in bin sbin lib lib64; do
  [ -L "/$top" ] && tops="$tops $top"
done
list=$DIR/.files
echo $files | tr ' ' '\n' | sed 's|^/||' | sort -u > "$list"
tar -c -C / --no-recursion -f "$DIR/.tar" $tops -T "$list"
tar -x -C "$DIR" -f "$DIR/.tar"
rm "$list" "$DIR/.tar"
mkdir -p "$DIR/etc" "$DIR/proc" "$DIR/sys" "$DIR/dev" "$DIR/tmp" "$DIR/root"
chmod 1777 "$DIR/tmp"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$DIR/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' > "$DIR/etc/group"
echo demo-root > "$DIR/etc/hostname"
