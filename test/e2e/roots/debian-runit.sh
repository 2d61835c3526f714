#!/bin/sh
# Debian bookworm (minbase) booted by runit-init: cron started by the
# sysv scripts runit runs, e2e-service supervised by runsvdir.
set -eu
. "$(dirname "$0")/debian.sh"
bootstrap "$1" runit-init,procps,cron
service "$1"
name_host "$1" bookworm-runit
mkdir -p "$1/etc/sv/e2e-service"
printf '#!/bin/sh\nexec /usr/local/sbin/e2e-service\n' > "$1/etc/sv/e2e-service/run"
chmod 755 "$1/etc/sv/e2e-service/run"
# /etc/service leads to runsvdir/default through an absolute link, which
# would resolve on the host here: name the directory itself. A container
# has no virtual consoles, so no gettys either.
rm -f "$1"/etc/runit/runsvdir/default/getty-*
ln -s /etc/sv/e2e-service "$1/etc/runit/runsvdir/default/e2e-service"
in_container "$1"
