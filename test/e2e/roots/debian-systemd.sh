#!/bin/sh
# Debian bookworm (minbase) booted by systemd: e2e-service as a unit with
# Restart=always.
set -eu
. "$(dirname "$0")/debian.sh"
bootstrap "$1" systemd-sysv,procps,cron
service "$1"
name_host "$1" bookworm-systemd
cat > "$1/etc/systemd/system/e2e-service.service" <<'UNIT'
[Unit]
Description=The e2e suite's stand-in daemon

[Service]
ExecStart=/usr/local/sbin/e2e-service
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/e2e-service.service "$1/etc/systemd/system/multi-user.target.wants/e2e-service.service"
# No gettys on virtual consoles a container does not have.
ln -sf /dev/null "$1/etc/systemd/system/getty@tty1.service"
# Automount needs /dev/autofs, which no container has: systemd would say
# "unsupported" at every boot.
ln -s /dev/null "$1/etc/systemd/system/proc-sys-fs-binfmt_misc.automount"
