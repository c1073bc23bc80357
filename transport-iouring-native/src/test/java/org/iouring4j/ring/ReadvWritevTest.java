package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Scatter/gather I/O: WRITEV gathers from several buffers, READV scatters into several, in iovec order. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class ReadvWritevTest {
    /** Deliberately uneven, and crossing a page, so a wrong iovec stride or length shows. */
    private static final int[] SIZES = {7, 300, 4000};
    private static final int TOTAL = 7 + 300 + 4000;

    @TempDir
    Path tempDir;

    @Test
    void writevThenReadvRoundTripsOverSocketPair() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (Iovecs out = Iovecs.filled(1);
             Iovecs in = Iovecs.empty();
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addWritev(pair[0], out.array.address(), SIZES.length, -1, 1);
            assertEquals(new Completions.Cqe(1, TOTAL, 0), Completions.awaitOne(ring));

            ring.submissionQueue().addReadv(pair[1], in.array.address(), SIZES.length, -1, 2);
            assertEquals(new Completions.Cqe(2, TOTAL, 0), Completions.awaitOne(ring));
            in.assertHolds(1);
        } finally {
            Completions.closeAll(pair);
        }
    }

    @Test
    void writevThenReadvRoundTripsAtFileOffset() throws Exception {
        Path file = tempDir.resolve("vectored");
        int fd = FileDescriptors.open(file.toString(),
                FileDescriptors.O_RDWR | FileDescriptors.O_CREAT | FileDescriptors.O_TRUNC, 0600);
        long offset = 123;
        try (Iovecs out = Iovecs.filled(2);
             Iovecs in = Iovecs.empty();
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addWritev(fd, out.array.address(), SIZES.length, offset, 1);
            assertEquals(new Completions.Cqe(1, TOTAL, 0), Completions.awaitOne(ring));

            byte[] onDisk = Files.readAllBytes(file);
            assertEquals(offset + TOTAL, onDisk.length);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.write(new byte[(int) offset]); // the hole before the offset reads as zeros
            for (int i = 0; i < SIZES.length; i++) {
                expected.write(Completions.pattern(SIZES[i], 2 * 10 + i));
            }
            assertArrayEquals(expected.toByteArray(), onDisk);

            ring.submissionQueue().addReadv(fd, in.array.address(), SIZES.length, offset, 2);
            assertEquals(new Completions.Cqe(2, TOTAL, 0), Completions.awaitOne(ring));
            in.assertHolds(2);
        } finally {
            Completions.closeAll(fd);
        }
    }

    /** Three buffers of {@link #SIZES} and the iovec array pointing at them, built with the Abi offsets. */
    private static final class Iovecs implements AutoCloseable {
        final NativeMemory array = NativeMemory.allocate(SIZES.length * Abi.Iovec.SIZE);
        final NativeMemory[] buffers = new NativeMemory[SIZES.length];

        private Iovecs() {
            for (int i = 0; i < SIZES.length; i++) {
                buffers[i] = NativeMemory.allocate(SIZES[i]);
                array.putLong(i * Abi.Iovec.SIZE + Abi.Iovec.BASE, buffers[i].address());
                array.putLong(i * Abi.Iovec.SIZE + Abi.Iovec.LEN, SIZES[i]);
            }
        }

        /** Buffers holding a per-buffer pattern derived from {@code seed}. */
        static Iovecs filled(int seed) {
            Iovecs iovecs = new Iovecs();
            for (int i = 0; i < SIZES.length; i++) {
                byte[] data = Completions.pattern(SIZES[i], seed * 10 + i);
                iovecs.buffers[i].put(0, data, 0, data.length);
            }
            return iovecs;
        }

        /** Zeroed buffers to read into. */
        static Iovecs empty() {
            return new Iovecs();
        }

        void assertHolds(int seed) {
            for (int i = 0; i < SIZES.length; i++) {
                assertArrayEquals(Completions.pattern(SIZES[i], seed * 10 + i),
                        Completions.bytes(buffers[i], 0, SIZES[i]), "iovec " + i);
            }
        }

        @Override
        public void close() {
            for (NativeMemory buffer : buffers) {
                buffer.close();
            }
            array.close();
        }
    }
}
