/**
 * The guest's first stage, `/init` in the initramfs (busybox sh). It loads the modules, mounts
 * the host's `/` (9p, read-only) under a tmpfs overlay so the guest can write anywhere without
 * touching the host, mounts the harness's control share (and the results share) at their host
 * paths, then runs the per-run second stage (`stage2.sh` in the control share) chrooted in that
 * root with the host's own `/bin/sh`. It never returns: it powers the guest off.
 *
 * Every line it prints starts with `rxsock-vm:` on the serial console, which the host reads.
 */

/** 9p mount tags the host's qemu command line and this script agree on. */
export const MOUNT_TAGS = { root: 'rxsock-root', control: 'rxsock-control', results: 'rxsock-results' } as const;

/** The 9p options: Linux 6.1's virtio transport allows up to 512000 bytes per message. */
const P9 = 'trans=virtio,version=9p2000.L,msize=512000';

export const INIT_SCRIPT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say() { echo "rxsock-vm: [$(cut -d" " -f1 /proc/uptime)] $*" > /dev/console; }
die() { say "FAIL: $*"; sync; poweroff -f; sleep 60; }
say "init"
for m in $(cat /etc/rxsock-modules); do
  insmod "/modules/$m" 2>/dev/console || die "insmod $m"
done
say "modules loaded"
mkdir -p /lower /scratch /newroot /control
# cache=loose: the root is read-only for the whole run, so the guest may cache it all.
mount -t 9p -o ${P9},ro,cache=loose ${MOUNT_TAGS.root} /lower || die "mount the host root (9p)"
mount -t 9p -o ${P9} ${MOUNT_TAGS.control} /control || die "mount the control share (9p)"
. /control/config || die "read the run's config"
mount -t tmpfs -o mode=0755 tmpfs /scratch
mkdir -p /scratch/upper /scratch/work
if [ "$RXSOCK_VM_OVERLAY" = 1 ] && mount -t overlay -o lowerdir=/lower,upperdir=/scratch/upper,workdir=/scratch/work overlay /newroot; then
  say "root: host / (9p, read-only) under a tmpfs overlay"
else
  # No overlay: the host root stays read-only; the usual scratch places get a tmpfs.
  mount --bind /lower /newroot || die "bind the host root"
  say "root: host / (9p, read-only), tmpfs on /tmp, /root, /var/tmp"
  for d in /tmp /root /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs "/newroot$d"; done
fi
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /newroot/dev/shm
# The host's /run (pid files, its network namespaces) means nothing in the guest.
mount -t tmpfs -o mode=0755 tmpfs /newroot/run
mkdir -p "/newroot$RXSOCK_VM_CONTROL"
mount --move /control "/newroot$RXSOCK_VM_CONTROL" || die "move the control share to $RXSOCK_VM_CONTROL"
if [ -n "$RXSOCK_VM_RESULTS" ]; then
  mkdir -p "/newroot$RXSOCK_VM_RESULTS"
  mount -t 9p -o ${P9} ${MOUNT_TAGS.results} "/newroot$RXSOCK_VM_RESULTS" || die "mount the results share at $RXSOCK_VM_RESULTS"
fi
say "stage 2"
chroot /newroot /bin/sh "$RXSOCK_VM_CONTROL/stage2.sh" 2>/dev/console
say "stage 2 ended with status $?"
sync
poweroff -f
sleep 60
`;
