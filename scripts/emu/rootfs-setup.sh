#!/bin/sh
# Usage: rootfs-setup.sh ROOT — prepares the guest's root file system before packages are installed into it. Run by
# scripts/emulated-test.sh as an mmdebstrap setup hook and again before it installs another suite's kernel.
set -e
# The kernels' initrds hold only the virtio and ext4 drivers (MODULES=list plus initramfs-hook.sh): MODULES=most
# copies thousands of modules, which under binfmt emulation takes half an hour per kernel.
mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
echo "MODULES=list" > "$1/etc/initramfs-tools/conf.d/emu"
install -m 755 "$(dirname "$0")/initramfs-hook.sh" "$1/etc/initramfs-tools/hooks/emu-virtio"
# Man pages are not installed (dpkg path-exclude), but update-alternatives still links java's into man1.
mkdir -p "$1/usr/share/man/man1"
