#!/bin/sh
# Usage: initramfs-setup.sh ROOT — makes the initrds of kernels installed later under ROOT small: MODULES=list plus
# scripts/emu/initramfs-hook.sh, which adds the virtio and ext4 drivers. Run by scripts/emulated-test.sh as an
# mmdebstrap setup hook (before any package is installed) and before it installs another suite's kernel.
set -e
mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"
echo "MODULES=list" > "$1/etc/initramfs-tools/conf.d/emu"
install -m 755 "$(dirname "$0")/initramfs-hook.sh" "$1/etc/initramfs-tools/hooks/emu-virtio"
