package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** IOSQE_FIXED_FILE: ops naming a registered file by its table index instead of an fd. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class FixedFileTest {
    private static final int LEN = 5;

    /** WRITE through fixed slot {@code slot}, then READ through fixed slot {@code slot + 1}. */
    private static void roundTrip(Ring ring, int slot, byte[] data, NativeMemory buf) throws NativeIoException {
        SubmissionQueue sq = ring.submissionQueue();
        buf.put(0, data, 0, LEN);
        int write = sq.addWrite(slot, buf.address(), LEN, -1, 1);
        sq.orFlags(write, IoUring.IOSQE_FIXED_FILE);
        assertEquals(new Completions.Cqe(1, LEN, 0), Completions.awaitOne(ring));

        buf.zero(0, LEN);
        int read = sq.addRead(slot + 1, buf.address(), LEN, -1, 2);
        sq.orFlags(read, IoUring.IOSQE_FIXED_FILE);
        assertEquals(new Completions.Cqe(2, LEN, 0), Completions.awaitOne(ring));
        assertArrayEquals(data, Completions.bytes(buf, 0, LEN));
    }

    @Test
    void writeAndReadThroughRegisteredFiles() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory buf = NativeMemory.allocate(LEN);
             Ring ring = Ring.open(RingConfig.defaults())) {
            // Slot 0 is left empty on purpose, so an fd number passed by mistake would not work by luck.
            ring.registrar().registerFiles(-1, pair[0], pair[1]);
            roundTrip(ring, 1, Completions.pattern(LEN, 1), buf);
        } finally {
            Completions.closeAll(pair);
        }
    }

    @Test
    void updateFilesReplacesSlots() throws Exception {
        int[] first = FileDescriptors.socketPair();
        int[] second = FileDescriptors.socketPair();
        try (NativeMemory buf = NativeMemory.allocate(LEN);
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.registrar().registerFiles(first[0], first[1]);
            roundTrip(ring, 0, Completions.pattern(LEN, 1), buf);

            assertEquals(2, ring.registrar().updateFiles(0, second[0], second[1]));
            roundTrip(ring, 0, Completions.pattern(LEN, 2), buf);
            // The second round trip went to the new pair: the old one is still open and holds no stray bytes.
            buf.put(0, Completions.pattern(LEN, 3), 0, LEN);
            assertEquals(LEN, FileDescriptors.write(first[0], buf.address(), LEN));
            buf.zero(0, LEN);
            assertEquals(LEN, FileDescriptors.read(first[1], buf.address(), LEN));
            assertArrayEquals(Completions.pattern(LEN, 3), Completions.bytes(buf, 0, LEN));
        } finally {
            Completions.closeAll(first);
            Completions.closeAll(second);
        }
    }

    @Test
    void clearedSlotFailsWithEbadf() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory buf = NativeMemory.allocate(LEN);
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.registrar().registerFiles(pair[0]);
            assertEquals(1, ring.registrar().updateFiles(0, -1));
            int write = ring.submissionQueue().addWrite(0, buf.address(), LEN, -1, 1);
            ring.submissionQueue().orFlags(write, IoUring.IOSQE_FIXED_FILE);
            assertEquals(new Completions.Cqe(1, -Errno.EBADF, 0), Completions.awaitOne(ring));
        } finally {
            Completions.closeAll(pair);
        }
    }
}
