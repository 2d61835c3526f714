#!/bin/sh
# Debian bookworm (minbase) booted by sysvinit: sysvinit-core with its rc
# scripts, cron as an rc-started daemon, e2e-service respawned by init.
set -eu
. "$(dirname "$0")/debian.sh"
bootstrap "$1" sysvinit-core,procps,cron
service "$1"
name_host "$1" bookworm-sysv
# A container has no virtual consoles: gettys on tty1-6 would fail and
# respawn too fast. The suite's service takes their place.
sed -i -E 's/^([1-6]:)/#\1/' "$1/etc/inittab"
echo 'e2:2345:respawn:/usr/local/sbin/e2e-service' >> "$1/etc/inittab"
# sysvinit 3.06 reads /etc/inittab.d too, and says so when there is none.
mkdir -p "$1/etc/inittab.d"
in_container "$1"
