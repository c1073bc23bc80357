#!/bin/sh
# PID 1 of the emulated guest (kernel command line init=/sbin/emu-init; scripts/emulated-test.sh copies this file
# there when it builds the root image). No systemd, no udev: mount what a JVM needs, bring up loopback, run the
# test plan from the payload disk (/dev/vdb, mounted at /emu), then power the machine off so qemu exits.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
# The root image is mounted read-only (it is cached and reused between runs): everything written goes to tmpfs.
mount -t tmpfs -o size=1g tmpfs /tmp
mount -t tmpfs tmpfs /run
ip link set lo up
echo "EMU-GUEST kernel=$(uname -r) arch=$(uname -m) cpus=$(nproc) mem=$(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
if mount -t ext4 /dev/vdb /emu; then
    sh /emu/run.sh
    echo "EMU-GUEST run.sh exit=$?"
    sync
    umount /emu
else
    echo "EMU-GUEST cannot mount the payload disk /dev/vdb"
fi
sync
# sysrq 'o' powers off whatever the kernel.sysrq setting (it only gates the keyboard); qemu then exits.
echo o > /proc/sysrq-trigger
sleep 30
