package org.iouring4j.ring.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The struct layouts in {@link Abi} against the kernel's definitions, without a kernel: each layout's field
 * constants, sorted by offset, must tile the struct from 0 to its size with no gap and no overlap, and every
 * size must be the one {@code <linux/io_uring.h>} gives on 64-bit Linux.
 *
 * <p>Field widths come from the C declarations quoted in {@link Abi}; offsets are read from the constants by
 * reflection, so a mistyped offset shows up here. Padding the C compiler inserts is listed where it falls
 * ({@link #PAD}) and must be exactly what aligning the next field (or the struct's end) requires. A constant that
 * is neither listed as a field nor as a known non-field (sizes, aliases, flag values) fails the test, so a field
 * added to {@link Abi} cannot escape.
 */
@Timeout(10)
class AbiTest {
    /** In {@link #fields}: compiler-inserted padding of the given width right after the field listed before it. */
    private static final String PAD = "(padding)";

    @Test
    void paramsTile120Bytes() {
        assertTiles(Abi.Params.class, "SIZE", 120, fields(
                "SQ_ENTRIES", 4, "CQ_ENTRIES", 4, "FLAGS", 4, "SQ_THREAD_CPU", 4, "SQ_THREAD_IDLE", 4,
                "FEATURES", 4, "WQ_FD", 4, "RESV", 3 * 4,
                "SQ_OFF", Abi.SqRingOffsets.SIZE, "CQ_OFF", Abi.CqRingOffsets.SIZE));
    }

    @Test
    void sqRingOffsetsTile40Bytes() {
        assertTiles(Abi.SqRingOffsets.class, "SIZE", 40, fields(
                "HEAD", 4, "TAIL", 4, "RING_MASK", 4, "RING_ENTRIES", 4, "FLAGS", 4, "DROPPED", 4,
                "ARRAY", 4, "RESV1", 4, "USER_ADDR", 8));
    }

    @Test
    void cqRingOffsetsTile40Bytes() {
        assertTiles(Abi.CqRingOffsets.class, "SIZE", 40, fields(
                "HEAD", 4, "TAIL", 4, "RING_MASK", 4, "RING_ENTRIES", 4, "OVERFLOW", 4, "CQES", 4,
                "FLAGS", 4, "RESV1", 4, "USER_ADDR", 8));
    }

    @Test
    void sqeTiles64Bytes() {
        assertTiles(Abi.Sqe.class, "SIZE", 64, fields(
                "OPCODE", 1, "FLAGS", 1, "IOPRIO", 2, "FD", 4, "OFF", 8, "ADDR", 8, "LEN", 4, "OP_FLAGS", 4,
                "USER_DATA", 8, "BUF_INDEX", 2, "PERSONALITY", 2, "SPLICE_FD_IN", 4, "ADDR3", 8, "PAD2", 8));
    }

    @Test
    void cqeTiles16Bytes() {
        assertTiles(Abi.Cqe.class, "SIZE", 16, fields("USER_DATA", 8, "RES", 4, "FLAGS", 4));
    }

    @Test
    void iovecTiles16Bytes() {
        assertTiles(Abi.Iovec.class, "SIZE", 16, fields("BASE", 8, "LEN", 8), "IOV_MAX");
        assertEquals(1024, Abi.Iovec.IOV_MAX);
    }

    @Test
    void msghdrTiles56BytesWithItsTwoPaddings() {
        assertTiles(Abi.Msghdr.class, "SIZE", 56, fields(
                "NAME", 8, "NAMELEN", 4, PAD, 4, "IOV", 8, "IOVLEN", 8, "CONTROL", 8, "CONTROLLEN", 8,
                "FLAGS", 4, PAD, 4));
    }

    @Test
    void cmsghdrTiles16BytesAndDataFollowsTheAlignedHeader() {
        assertTiles(Abi.Cmsghdr.class, "SIZE", 16, fields("LEN", 8, "LEVEL", 4, "TYPE", 4), "DATA", "ALIGNMENT");
        assertEquals(8, Abi.Cmsghdr.ALIGNMENT);
        assertEquals(Abi.Cmsghdr.align(Abi.Cmsghdr.SIZE), Abi.Cmsghdr.DATA);
    }

    /** The values glibc's macros give on 64-bit Linux, e.g. for one int, a u16 (UDP_SEGMENT) and three fds. */
    @Test
    void cmsgMacrosMatchGlibc() {
        assertEquals(0, Abi.Cmsghdr.align(0));
        assertEquals(8, Abi.Cmsghdr.align(1));
        assertEquals(8, Abi.Cmsghdr.align(8));
        assertEquals(16, Abi.Cmsghdr.align(9));
        assertEquals(24, Abi.Cmsghdr.space(4));
        assertEquals(20, Abi.Cmsghdr.length(4));
        assertEquals(24, Abi.Cmsghdr.space(2));
        assertEquals(18, Abi.Cmsghdr.length(2));
        assertEquals(32, Abi.Cmsghdr.space(3 * 4));
        assertEquals(28, Abi.Cmsghdr.length(3 * 4));
        assertEquals(16, Abi.Cmsghdr.space(0));
    }

    @Test
    void timespecTiles16Bytes() {
        assertTiles(Abi.Timespec.class, "SIZE", 16, fields("SEC", 8, "NSEC", 8));
    }

    @Test
    void geteventsArgTiles24Bytes() {
        assertTiles(Abi.GeteventsArg.class, "SIZE", 24, fields(
                "SIGMASK", 8, "SIGMASK_SZ", 4, "MIN_WAIT_USEC", 4, "TS", 8));
    }

    @Test
    void probeHeaderTiles16Bytes() {
        assertTiles(Abi.ProbeLayout.class, "HEADER_SIZE", 16, fields(
                "LAST_OP", 1, "OPS_LEN", 1, "RESV", 2, "RESV2", 3 * 4),
                "OPS", "OP_OP", "OP_RESV", "OP_FLAGS", "OP_RESV2", "OP_SIZE", "OP_SUPPORTED");
        // The flexible array of ops starts right after the header.
        assertEquals(Abi.ProbeLayout.HEADER_SIZE, Abi.ProbeLayout.OPS);
    }

    @Test
    void probeOpTiles8Bytes() {
        assertTiles(Abi.ProbeLayout.class, "OP_SIZE", 8, fields(
                "OP_OP", 1, "OP_RESV", 1, "OP_FLAGS", 2, "OP_RESV2", 4),
                "LAST_OP", "OPS_LEN", "RESV", "RESV2", "OPS", "HEADER_SIZE", "OP_SUPPORTED");
        assertEquals(1, Abi.ProbeLayout.OP_SUPPORTED);
    }

    @Test
    void filesUpdateTiles16Bytes() {
        assertTiles(Abi.FilesUpdate.class, "SIZE", 16, fields("OFFSET", 4, "RESV", 4, "FDS", 8));
    }

    @Test
    void rsrcUpdateTiles16Bytes() {
        assertTiles(Abi.RsrcUpdate.class, "SIZE", 16, fields("OFFSET", 4, "RESV", 4, "DATA", 8));
    }

    @Test
    void bufRegTiles40Bytes() {
        assertTiles(Abi.BufReg.class, "SIZE", 40, fields(
                "RING_ADDR", 8, "RING_ENTRIES", 4, "BGID", 2, "FLAGS", 2, "RESV", 3 * 8));
    }

    @Test
    void bufTiles16BytesAndRingTailOverlaysFirstResv() {
        assertTiles(Abi.Buf.class, "SIZE", 16, fields("ADDR", 8, "LEN", 4, "BID", 2, "RESV", 2), "RING_TAIL");
        // struct io_uring_buf_ring { union { struct { __u64 resv1; __u32 resv2; __u16 resv3; __u16 tail; };
        //                                    struct io_uring_buf bufs[]; }; }: tail aliases bufs[0].resv.
        assertEquals(Abi.Buf.RESV, Abi.Buf.RING_TAIL);
    }

    @Test
    void statxTiles256Bytes() {
        assertTiles(Abi.Statx.class, "SIZE", 256, fields(
                "MASK", 4, "BLKSIZE", 4, "ATTRIBUTES", 8, "NLINK", 4, "UID", 4, "GID", 4, "MODE", 2, "SPARE0", 2,
                "INO", 8, "FILE_SIZE", 8, "BLOCKS", 8, "ATTRIBUTES_MASK", 8,
                "ATIME", 16, "BTIME", 16, "CTIME", 16, "MTIME", 16,
                "RDEV_MAJOR", 4, "RDEV_MINOR", 4, "DEV_MAJOR", 4, "DEV_MINOR", 4, "MNT_ID", 8,
                "DIO_MEM_ALIGN", 4, "DIO_OFFSET_ALIGN", 4, "SPARE3", 12 * 8));
    }

    /** Every nested class of {@link Abi} is either a layout tested above or the register opcodes. */
    @Test
    void everyNestedLayoutIsCovered() {
        Set<String> nested = new TreeSet<>();
        for (Class<?> c : Abi.class.getDeclaredClasses()) {
            nested.add(c.getSimpleName());
        }
        assertEquals(new TreeSet<>(Arrays.asList("Params", "SqRingOffsets", "CqRingOffsets", "Sqe", "Cqe", "Iovec",
                "Msghdr", "Cmsghdr", "Timespec", "GeteventsArg", "ProbeLayout", "FilesUpdate", "RsrcUpdate", "BufReg",
                "Buf", "Statx", "Register")),
                nested, "a new layout class in Abi needs a tiling test here");
    }

    @Test
    void mmapOffsetsAreTheKernels() {
        assertEquals(0L, Abi.IORING_OFF_SQ_RING);
        assertEquals(0x8000000L, Abi.IORING_OFF_CQ_RING);
        assertEquals(0x10000000L, Abi.IORING_OFF_SQES);
    }

    /** Field name (or {@link #PAD}) to width in bytes, in declaration order. */
    private static Map<String, Integer> fields(Object... nameWidthPairs) {
        Map<String, Integer> widths = new LinkedHashMap<>();
        String previous = "the start";
        for (int i = 0; i < nameWidthPairs.length; i += 2) {
            String name = (String) nameWidthPairs[i];
            // Each padding gets its own key, named by the field it follows.
            String key = PAD.equals(name) ? PAD + " after " + previous : name;
            widths.put(key, (Integer) nameWidthPairs[i + 1]);
            previous = name;
        }
        return widths;
    }

    /** How a field of this width aligns: arrays and nested structs like their widest element, at most 8. */
    private static int alignmentOf(int width) {
        return Math.min(Integer.lowestOneBit(width), 8);
    }

    /**
     * Asserts that {@code widths} tile {@code layout} exactly up to its size constant {@code sizeName}, which must
     * equal {@code expectedSize}, and that every other {@code int} constant of {@code layout} is either a listed
     * field, the size, or one of {@code nonFields}.
     */
    private static void assertTiles(Class<?> layout, String sizeName, int expectedSize, Map<String, Integer> widths,
                                    String... nonFields) {
        Map<String, Integer> constants = intConstants(layout);
        String struct = layout.getSimpleName();
        assertEquals(expectedSize, constants.get(sizeName), struct + "." + sizeName);

        Set<String> unaccounted = new TreeSet<>(constants.keySet());
        unaccounted.removeAll(widths.keySet());
        unaccounted.remove(sizeName);
        unaccounted.removeAll(Arrays.asList(nonFields));
        assertEquals(Set.of(), unaccounted, struct + ": constants neither tiled nor known non-fields");

        // {offset, width, alignment, 1 if padding}; padding sits right after the field listed before it.
        int[][] spans = new int[widths.size()][];
        int i = 0;
        int previousEnd = 0;
        int structAlignment = 1;
        for (Map.Entry<String, Integer> field : widths.entrySet()) {
            int width = field.getValue();
            if (field.getKey().startsWith(PAD)) {
                spans[i++] = new int[] {previousEnd, width, 1, 1};
                previousEnd += width;
                continue;
            }
            Integer offset = constants.get(field.getKey());
            if (offset == null) {
                fail(struct + " has no constant " + field.getKey());
            }
            int alignment = alignmentOf(width);
            structAlignment = Math.max(structAlignment, alignment);
            spans[i++] = new int[] {offset, width, alignment, 0};
            previousEnd = offset + width;
        }
        Arrays.sort(spans, (a, b) -> Integer.compare(a[0], b[0]));
        int expectedOffset = 0;
        for (int s = 0; s < spans.length; s++) {
            int[] span = spans[s];
            assertEquals(expectedOffset, span[0], struct + ": gap or overlap at offset " + expectedOffset);
            assertEquals(0, span[0] % span[2], struct + ": misaligned field at offset " + span[0]);
            if (span[3] == 1) {
                // The compiler pads only up to the next multiple of what follows: the next field's alignment, or at
                // the end the struct's own (its widest member's).
                int next = s + 1 < spans.length ? spans[s + 1][2] : structAlignment;
                assertEquals((span[0] + next - 1) / next * next, span[0] + span[1],
                        struct + ": padding at offset " + span[0] + " is not what alignment requires");
            }
            expectedOffset += span[1];
        }
        assertEquals(expectedSize, expectedOffset, struct + ": fields do not end at the struct's size");
    }

    private static Map<String, Integer> intConstants(Class<?> layout) {
        Map<String, Integer> constants = new LinkedHashMap<>();
        for (Field f : layout.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == int.class) {
                try {
                    constants.put(f.getName(), f.getInt(null));
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return constants;
    }
}
