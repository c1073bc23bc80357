package org.iouring4j.ring.file;

import org.iouring4j.ring.NativeMemory;

import java.nio.ByteBuffer;

/**
 * Alignment arithmetic for O_DIRECT, where buffer addresses, file positions and lengths must be multiples of what
 * the file system asks ({@link FileStat#directIoMemoryAlignment()}, {@link FileStat#directIoOffsetAlignment()};
 * commonly 512 or 4096). Alignments are powers of two.
 */
public final class DirectIo {
    /**
     * The alignment to assume when the file system does not report one: a page (4096), which covers every common
     * logical block size.
     */
    public static final int DEFAULT_ALIGNMENT = 4096;

    private DirectIo() {
    }

    /** The alignment O_DIRECT needs for {@code stat}'s file: the stricter of its two, or the default if unknown. */
    public static int alignmentOf(FileStat stat) {
        int alignment = Math.max(stat.directIoMemoryAlignment(), stat.directIoOffsetAlignment());
        return alignment > 0 ? alignment : DEFAULT_ALIGNMENT;
    }

    /** {@code value} rounded down to a multiple of {@code alignment}. */
    public static long alignDown(long value, int alignment) {
        return value & -(long) checkAlignment(alignment);
    }

    /** {@code value} rounded up to a multiple of {@code alignment}. */
    public static long alignUp(long value, int alignment) {
        long mask = checkAlignment(alignment) - 1L;
        return (value + mask) & ~mask;
    }

    /** Whether {@code value} (an address, position or length) is a multiple of {@code alignment}. */
    public static boolean isAligned(long value, int alignment) {
        return (value & (checkAlignment(alignment) - 1L)) == 0;
    }

    /**
     * A direct buffer of {@code capacity} bytes whose first byte lies on an {@code alignment} boundary: a slice of a
     * slightly larger allocation, freed by the GC like any direct buffer. For many such buffers, prefer a
     * {@link RegisteredBuffers} pool (page-aligned, and pinned once).
     */
    public static ByteBuffer allocateAligned(int capacity, int alignment) {
        checkAlignment(alignment);
        ByteBuffer raw = ByteBuffer.allocateDirect(capacity + alignment - 1);
        // Not ByteBuffer.alignedSlice: it also rounds the end down, which could leave fewer than capacity bytes.
        long address = NativeMemory.addressOf(raw);
        int skip = (int) (alignUp(address, alignment) - address);
        return raw.position(skip).limit(skip + capacity).slice();
    }

    private static int checkAlignment(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a power of two: " + alignment);
        }
        return alignment;
    }
}
