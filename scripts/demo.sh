#!/bin/sh
# demo.sh [DIR]: `npm run demo`, where the README's first command ends.
# Builds the demo root in DIR (default ./demo-root) with demo-root.sh,
# unless it is built already, boots a container on it to show one
# running, and prints as its last line the command that opens a shell in
# it, as it works from anywhere. Safe to run again.
set -eu

prog=demo
here=$(cd "$(dirname "$0")" && pwd -P)
DIR=${1:-./demo-root}
[ $# -le 1 ] || { echo "usage: sh scripts/demo.sh [DIR]" >&2; exit 1; }

# $1 as a shell word: quoted only when it has to be.
word() {
  case $1 in
    *[!A-Za-z0-9_./+:-]* | '') printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")" ;;
    *) printf %s "$1" ;;
  esac
}

# contain from PATH (npm install -g), else this checkout's. npm run puts
# node_modules/.bin first in PATH: a contain found there is not on the
# caller's PATH once npm is done.
case $(command -v contain || true) in
  '' | */node_modules/.bin/*) CONTAIN=$(cd "$here/../packages/contain/bin" && pwd -P)/contain ;;
  *) CONTAIN=contain ;;
esac

sh "$here/demo-root.sh" "$DIR"
DIR=$(cd "$DIR" && pwd -P)
# Booted as PID 1 of its own namespaces, bash tells what it sees.
"$CONTAIN" "$DIR" /bin/bash -c 'echo "'"$prog"': bash is PID $$ of container $(hostname), as $(id -un); / has $(echo $(ls /))"'
echo "$prog: a shell in it, as PID 1 (exit ends the container):"
echo "$(word "$CONTAIN") $(word "$DIR") /bin/bash"
