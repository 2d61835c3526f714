#!/bin/sh
# A busybox system booted by busybox init: an inittab with a sysinit
# script, a respawned service and a shutdown action.
set -eu
DIR=$1
BUSYBOX=$(command -v busybox)
mkdir -p "$DIR/bin" "$DIR/sbin" "$DIR/etc/init.d" "$DIR/proc" "$DIR/sys" "$DIR/dev" \
  "$DIR/root" "$DIR/run" "$DIR/tmp" "$DIR/usr/local/sbin" "$DIR/var/log"
chmod 1777 "$DIR/tmp"
cp "$BUSYBOX" "$DIR/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$DIR/bin/$applet"
done
# busybox halt, poweroff and reboot signal PID 1; init lives in /sbin.
ln -s ../bin/busybox "$DIR/sbin/init"
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/:/bin/false\n' > "$DIR/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\ntty:x:5:\n' > "$DIR/etc/group"
echo busybox-init > "$DIR/etc/hostname"

cat > "$DIR/etc/inittab" <<'INITTAB'
::sysinit:/etc/init.d/rcS
::respawn:/usr/local/sbin/e2e-service
::shutdown:/etc/init.d/rcK
INITTAB

cat > "$DIR/etc/init.d/rcS" <<'RCS'
#!/bin/sh
# What a small distribution's sysinit does: a tmpfs on /run, the hostname.
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs /run
hostname -F /etc/hostname
echo "sysinit done" > /run/sysinit
RCS

cat > "$DIR/etc/init.d/rcK" <<'RCK'
#!/bin/sh
echo "shutdown ran" > /var/log/shutdown
RCK

cat > "$DIR/usr/local/sbin/e2e-service" <<'SERVICE'
#!/bin/sh
# A stand-in for a real daemon: it runs until it is killed.
while :; do sleep 3600; done
SERVICE
chmod 755 "$DIR/etc/init.d/rcS" "$DIR/etc/init.d/rcK" "$DIR/usr/local/sbin/e2e-service"
