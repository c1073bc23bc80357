package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import org.iouring4j.ring.IoUring;

import java.nio.ByteOrder;

/**
 * Where {@code statx(2)} puts what {@link UringLoopFile#size()} reads, in the {@code struct statx} a {@code STATX}
 * op fills:
 * <pre>
 * struct statx {
 *     __u32 stx_mask;  __u32 stx_blksize;  __u64 stx_attributes;             // 0, 4, 8
 *     __u32 stx_nlink;  __u32 stx_uid;  __u32 stx_gid;  __u16 stx_mode;  __u16 __spare0[1];
 *     __u64 stx_ino;  __u64 stx_size;  ...                                   // 32, 40
 * };                                                                         // 256 bytes in all
 * </pre>
 * The ring library names the whole layout in its internal ABI package, which its module exports to nobody; until
 * it offers a public decoder, the two fields the transport reads are named here (the layout is the same on every
 * architecture: fixed-width fields only).
 */
final class StatxLayout {
    /** The struct's size: the kernel writes at most this much. */
    static final int SIZE = 256;
    /** {@code stx_mask}: which {@code STATX_*} fields the file system filled. */
    static final int MASK = 0;
    /** {@code stx_size}: the file's size in bytes. */
    static final int FILE_SIZE = 40;

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private StatxLayout() {
    }

    /** Whether the file system filled {@code stx_size} in the struct at {@code statx}'s index 0. */
    static boolean hasSize(ByteBuf statx) {
        int mask = LITTLE_ENDIAN ? statx.getIntLE(MASK) : statx.getInt(MASK);
        return (mask & IoUring.STATX_SIZE) != 0;
    }

    /** {@code stx_size} of the struct at {@code statx}'s index 0 (the kernel writes it in native byte order). */
    static long size(ByteBuf statx) {
        return LITTLE_ENDIAN ? statx.getLongLE(FILE_SIZE) : statx.getLong(FILE_SIZE);
    }
}
