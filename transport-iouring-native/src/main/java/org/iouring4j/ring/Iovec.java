package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;

/**
 * {@code struct iovec} arrays in native memory, as READV, WRITEV, SENDMSG and buffer registration take them.
 *
 * <pre>struct iovec { void *iov_base; size_t iov_len; };</pre>
 */
public final class Iovec {
    /** Bytes per iovec (64-bit). */
    public static final int SIZE = Abi.Iovec.SIZE;
    /** {@code IOV_MAX} on Linux: the most iovecs one readv/writev accepts. */
    public static final int IOV_MAX = Abi.Iovec.IOV_MAX;
    /** {@code MAX_RW_COUNT}: the most bytes one read or write transfers (INT_MAX rounded down to a 4 KiB page). */
    public static final int MAX_RW_COUNT = 0x7FFFF000;

    private Iovec() {
    }

    /** Writes one iovec ({@code length} bytes at {@code base}) at byte {@code offset} of {@code memory}. */
    public static void put(NativeMemory memory, int offset, long base, long length) {
        memory.putLong(offset + Abi.Iovec.BASE, base);
        memory.putLong(offset + Abi.Iovec.LEN, length);
    }
}
