package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** READ_FIXED / WRITE_FIXED through buffers registered with the ring. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class FixedBufferTest {
    private static final int BUFFER_SIZE = 8192;
    private static final int LEN = 3000;

    @TempDir
    Path tempDir;

    @Test
    void writeFixedThenReadFixedRoundTripsThroughAFile() throws Exception {
        Path file = tempDir.resolve("fixed");
        int fd = FileDescriptors.open(file.toString(),
                FileDescriptors.O_RDWR | FileDescriptors.O_CREAT | FileDescriptors.O_TRUNC, 0600);
        byte[] data = Completions.pattern(LEN, 9);
        try (NativeMemory first = NativeMemory.allocate(BUFFER_SIZE);
             NativeMemory second = NativeMemory.allocate(BUFFER_SIZE);
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.registrar().registerBuffers(new long[] {first.address(), second.address()},
                    new int[] {BUFFER_SIZE, BUFFER_SIZE});
            // Data from the middle of registered buffer 1, to a file offset; read back into buffer 0.
            int inBuffer = 100;
            long fileOffset = 4096;
            second.put(inBuffer, data, 0, LEN);
            ring.submissionQueue().addWriteFixed(fd, second.address(inBuffer), LEN, fileOffset, 1, 1);
            assertEquals(new Completions.Cqe(1, LEN, 0), Completions.awaitOne(ring));
            byte[] onDisk = Files.readAllBytes(file);
            assertEquals(fileOffset + LEN, onDisk.length);

            ring.submissionQueue().addReadFixed(fd, first.address(), LEN, fileOffset, 0, 2);
            assertEquals(new Completions.Cqe(2, LEN, 0), Completions.awaitOne(ring));
            assertArrayEquals(data, Completions.bytes(first, 0, LEN));
            ring.registrar().unregisterBuffers();
        } finally {
            Completions.closeAll(fd);
        }
    }

    @Test
    void readFixedOutsideTheRegisteredBufferIsRejected() throws Exception {
        Path file = tempDir.resolve("fixed-efault");
        int fd = FileDescriptors.open(file.toString(),
                FileDescriptors.O_RDWR | FileDescriptors.O_CREAT | FileDescriptors.O_TRUNC, 0600);
        try (NativeMemory buffer = NativeMemory.allocate(2 * BUFFER_SIZE);
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.registrar().registerBuffers(new long[] {buffer.address()}, new int[] {BUFFER_SIZE});
            // Starts inside registered buffer 0 but runs past its end.
            ring.submissionQueue().addReadFixed(fd, buffer.address(BUFFER_SIZE - 10), 100, 0, 0, 1);
            assertEquals(new Completions.Cqe(1, -Errno.EFAULT, 0), Completions.awaitOne(ring));
        } finally {
            Completions.closeAll(fd);
        }
    }
}
