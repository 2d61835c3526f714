# Shared by the Debian root scripts (sourced, not run): a bookworm minbase
# tree made by debootstrap as root, with an init and the packages the
# suite uses, and a respawned service the suite can look for.

# The mirror: the one in the host's apt sources, as the suite's machines
# reach no other; DEBIAN_MIRROR overrides it.
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# bootstrap DIR PACKAGES: minbase plus PACKAGES (comma-separated).
bootstrap() {
  # Downloaded .debs are shared between the Debian roots: each root is
  # built once, but three of them fetch mostly the same packages.
  mkdir -p "$CACHE_DIR/debs"
  debootstrap --variant=minbase --include="$2" --cache-dir="$CACHE_DIR/debs" \
    bookworm "$1" "$MIRROR"
  # No package lists or .debs in the tarball: they only make copies slow.
  rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*_Packages
}

# service DIR: a long-running process with a name the suite can find
# through /proc; each init script starts it its own way.
service() {
  mkdir -p "$1/usr/local/sbin"
  cat > "$1/usr/local/sbin/e2e-service" <<'SCRIPT'
#!/bin/sh
# A stand-in for a real daemon: it runs until it is killed.
while :; do sleep 3600; done
SCRIPT
  chmod 755 "$1/usr/local/sbin/e2e-service"
}

# name_host DIR NAME: the name contain gives the container's UTS namespace.
name_host() {
  echo "$2" > "$1/etc/hostname"
}

# in_container DIR: tells the sysvinit boot and shutdown scripts (rcS,
# which runit's stage 1 runs too) what a container is, as the README's
# Debian recipe does: contain makes the file systems (the root is a bind
# mount; sysfs, securityfs, pstore and devpts are not to be mounted or
# remounted again), there is nothing to fsck, /etc/mtab is the kernel's,
# the host's sysctls of protected links are the host's business, and the
# network interfaces are not the container's to take down at the end.
# What still prints at shutdown is explained in test/e2e/console.mjs.
in_container() {
  cat >> "$1/etc/fstab" <<'FSTAB'
/           /                     none        bind     0 0
sysfs       /sys                  sysfs       noauto   0 0
securityfs  /sys/kernel/security  securityfs  noauto   0 0
pstore      /sys/fs/pstore        pstore      noauto   0 0
devpts      /dev/pts              devpts      noauto   0 0
FSTAB
  echo FSCKTYPES=none >> "$1/etc/default/rcS"
  echo NETDOWN=no >> "$1/etc/default/halt"
  ln -sf /proc/mounts "$1/etc/mtab"
  ln -sf /dev/null "$1/etc/sysctl.d/99-protect-links.conf"
}
