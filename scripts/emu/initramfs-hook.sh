#!/bin/sh
# initramfs-tools hook for the emulated guest (scripts/emulated-test.sh installs it with MODULES=list): the guest
# boots from a virtio disk holding ext4, so those drivers are all the initrd needs. MODULES=most would copy
# thousands of modules, which under binfmt emulation takes half an hour per kernel.
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
for module in virtio_pci virtio_mmio virtio_blk ext4; do
    manual_add_modules "$module"
    # Loaded at boot whether or not udev finds the devices first.
    echo "$module" >> "$DESTDIR/conf/modules"
done
