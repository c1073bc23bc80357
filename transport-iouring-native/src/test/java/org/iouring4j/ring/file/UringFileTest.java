package org.iouring4j.ring.file;

import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Iovec;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.RequiresIoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.iouring4j.ring.file.FileTests.await;
import static org.iouring4j.ring.file.FileTests.directOf;
import static org.iouring4j.ring.file.FileTests.filledOf;
import static org.iouring4j.ring.file.FileTests.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every op of {@link UringFile} on a temp file, through a plain driver: what lands on disk and what comes back. */
@ExtendWith(RequiresIoUring.class)
@Timeout(30)
class UringFileTest {
    private static final int RW_CREATE = FileDescriptors.O_RDWR | FileDescriptors.O_CREAT;

    @TempDir
    Path dir;

    @Test
    void writeThenReadDirectBuffersMovingTheirPositions() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("data");
        byte[] data = pattern(10_000, 1);
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path, RW_CREATE, 0644));
            ByteBuffer src = directOf(data);
            assertEquals(10_000, await(file.write(src, 100)));
            assertFalse(src.hasRemaining(), "a write moves the source's position past what it wrote");
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(path), 100, 10_100));

            ByteBuffer dst = ByteBuffer.allocateDirect(4000);
            dst.position(10);
            assertEquals(3990, await(file.read(dst, 100)));
            assertEquals(4000, dst.position());
            assertArrayEquals(Arrays.copyOfRange(data, 0, 3990), Arrays.copyOfRange(filledOf(dst), 10, 4000));
            await(file.closeAsync());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void readAtEndOfFileGivesZeroAndAcrossItAShortCount() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("short");
        Files.write(path, pattern(1000, 2));
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path));
            ByteBuffer dst = ByteBuffer.allocateDirect(4096);
            assertEquals(400, await(file.read(dst, 600)), "a read across the end returns what is there");
            assertArrayEquals(Arrays.copyOfRange(pattern(1000, 2), 600, 1000), filledOf(dst));
            dst.clear();
            assertEquals(0, await(file.read(dst, 1000)), "a read at the end returns 0");
            assertEquals(0, await(file.read(dst, 1_000_000)), "and so does one past it");
            assertEquals(0, dst.position());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void nativeAddressesReadAndWrite() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("native");
        byte[] data = pattern(3000, 3);
        try (UringFileDriver driver = UringFileDriver.builder().start();
             NativeMemory memory = NativeMemory.allocate(3000)) {
            UringFile file = await(driver.open(path, RW_CREATE, 0600));
            memory.put(0, data, 0, 3000);
            assertEquals(3000, await(file.write(memory.address(), 3000, 0)));
            memory.zero(0, 3000);
            assertEquals(2000, await(file.read(memory.address(), 2000, 1000)));
            byte[] back = new byte[2000];
            memory.get(0, back, 0, 2000);
            assertArrayEquals(Arrays.copyOfRange(data, 1000, 3000), back);
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void vectoredReadsAndWritesSpreadOverBuffersInOrder() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("vectored");
        byte[] data = pattern(700, 4);
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path, RW_CREATE, 0600));
            ByteBuffer[] srcs = {
                directOf(Arrays.copyOfRange(data, 0, 100)), directOf(Arrays.copyOfRange(data, 100, 700))};
            assertEquals(700, await(file.write(srcs, 0)));
            assertFalse(srcs[0].hasRemaining() || srcs[1].hasRemaining());
            assertArrayEquals(data, Files.readAllBytes(path));

            // 3 buffers for 650 bytes from position 50: the last is filled only in part.
            ByteBuffer[] dsts = {
                ByteBuffer.allocateDirect(200), ByteBuffer.allocateDirect(300), ByteBuffer.allocateDirect(400)};
            assertEquals(650, await(file.read(dsts, 50)));
            assertEquals(200, dsts[0].position());
            assertEquals(300, dsts[1].position());
            assertEquals(150, dsts[2].position());
            byte[] joined = new byte[650];
            System.arraycopy(filledOf(dsts[0]), 0, joined, 0, 200);
            System.arraycopy(filledOf(dsts[1]), 0, joined, 200, 300);
            System.arraycopy(filledOf(dsts[2]), 0, joined, 500, 150);
            assertArrayEquals(Arrays.copyOfRange(data, 50, 700), joined);
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void rawIovecsReadAndWrite() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("iovecs");
        byte[] data = pattern(96, 5);
        try (UringFileDriver driver = UringFileDriver.builder().start();
             NativeMemory memory = NativeMemory.allocate(96);
             NativeMemory iovecs = NativeMemory.allocate(2 * Iovec.SIZE)) {
            UringFile file = await(driver.open(path, RW_CREATE, 0600));
            memory.put(0, data, 0, 96);
            Iovec.put(iovecs, 0, memory.address(), 32);
            Iovec.put(iovecs, Iovec.SIZE, memory.address(32), 64);
            assertEquals(96, await(file.writev(iovecs.address(), 2, 0)));
            memory.zero(0, 96);
            assertEquals(96, await(file.readv(iovecs.address(), 2, 0)));
            byte[] back = new byte[96];
            memory.get(0, back, 0, 96);
            assertArrayEquals(data, back);
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /** A file of several MiB, larger than any one read here, read back whole by readFully in chunks. */
    @Test
    void readFullyAndWriteFullyMoveAFileLargerThanOneRead() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("large");
        int size = 5 * 1024 * 1024 + 123;
        byte[] data = pattern(size, 6);
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path, RW_CREATE | FileDescriptors.O_TRUNC, 0600));
            assertEquals(size, await(file.writeFully(directOf(data), 0)));
            assertEquals((long) size, await(file.size()));

            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            byte[] back = new byte[size];
            int position = 0;
            for (;;) {
                chunk.clear();
                int n = await(file.readFully(chunk, position));
                chunk.flip().get(back, position, n);
                position += n;
                if (n < chunk.capacity()) {
                    break; // the last, short, chunk: end of file
                }
            }
            assertEquals(size, position);
            assertArrayEquals(data, back);
            assertEquals(0, await(file.readFully(ByteBuffer.allocateDirect(10), size)));
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void syncDataSyncAllocateAndStat() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("synced");
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path, RW_CREATE, 0640));
            assertEquals(5, await(file.write(directOf(pattern(5, 7)), 0)));
            assertEquals(null, await(file.sync()));
            assertEquals(null, await(file.dataSync()));

            await(file.allocate(0, 1 << 16));
            assertEquals(1 << 16, Files.size(path), "fallocate grows the file to the range's end");
            await(file.allocate(IoUring.FALLOC_FL_KEEP_SIZE, 1 << 16, 1 << 16));
            assertEquals(1 << 16, Files.size(path), "KEEP_SIZE allocates without growing");

            FileStat stat = await(file.stat());
            assertEquals(1 << 16, stat.size());
            assertTrue(stat.isRegularFile());
            assertFalse(stat.isDirectory());
            assertEquals(0640, stat.mode() & 0777);
            assertTrue(stat.blockSize() > 0);
            assertEquals((long) (1 << 16), await(file.size()));
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void heapAndReadOnlyBuffersAreRefusedWithAClearError() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("heap");
        Files.write(path, pattern(10, 8));
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path, FileDescriptors.O_RDWR, 0));
            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> file.read(ByteBuffer.allocate(10), 0));
            assertTrue(heap.getMessage().contains("heap ByteBuffer"), heap.getMessage());
            assertThrows(IllegalArgumentException.class, () -> file.write(ByteBuffer.wrap(new byte[10]), 0));
            assertThrows(IllegalArgumentException.class,
                    () -> file.read(ByteBuffer.allocateDirect(10).asReadOnlyBuffer(), 0));
            // Writing from a read-only direct buffer is fine: the kernel only reads it.
            assertEquals(10, await(file.write(directOf(pattern(10, 9)).asReadOnlyBuffer(), 0)));
            assertThrows(IllegalArgumentException.class, () -> file.read(ByteBuffer.allocateDirect(1), -1));
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /**
     * The driver opens its ring on its own thread, so a single-issuer ring with deferred task work (completions run
     * only when the issuer enters to wait) works, as does a small ring whose CQ bounds the reads in flight.
     */
    @Test
    void driverOnASingleIssuerDeferTaskrunRing() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("deferred");
        byte[] data = pattern(64 * 1024, 12);
        Files.write(path, data);
        try (UringFileDriver driver = UringFileDriver.builder()
                .ring(org.iouring4j.ring.RingConfig.builder().entries(16).deferTaskrun(true).build())
                .registeredBuffers(1, 4096).fixedFiles(1).start()) {
            UringFile file = await(driver.open(path, FileDescriptors.O_RDWR, 0));
            java.util.List<java.util.concurrent.CompletableFuture<Integer>> reads = new java.util.ArrayList<>();
            java.util.List<ByteBuffer> buffers = new java.util.ArrayList<>();
            for (int i = 0; i < 64; i++) { // more than the 32-entry CQ holds at once
                buffers.add(ByteBuffer.allocateDirect(1024));
                reads.add(file.read(buffers.get(i), i * 1024L));
            }
            for (int i = 0; i < 64; i++) {
                assertEquals(1024, await(reads.get(i)));
                assertArrayEquals(Arrays.copyOfRange(data, i * 1024, (i + 1) * 1024), filledOf(buffers.get(i)));
            }
            RegisteredBuffer buffer = driver.registeredBuffers().tryAcquire();
            assertEquals(4096, await(file.write(buffer, 0, 4096, 0)));
            buffer.release();
            await(file.sync());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void closeIsIdempotentAndTheFdIsGone() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("closed");
        Files.write(path, pattern(10, 10));
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path));
            assertTrue(file.isOpen());
            assertEquals(1, FileTests.openFdsUnder(dir).size());
            file.close();
            assertFalse(file.isOpen());
            assertEquals(file.closeAsync(), file.closeAsync(), "every close returns the same future");
            assertTrue(file.closeAsync().isDone());
            assertEquals(0, FileTests.openFdsUnder(dir).size());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void closingTheDriverClosesFilesLeftOpen() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("left-open");
        Files.write(path, pattern(10, 11));
        UringFile file;
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            file = await(driver.open(path));
            await(driver.open(path));
            assertEquals(2, FileTests.openFdsUnder(dir).size());
        }
        assertTrue(file.closeAsync().isDone());
        assertFalse(file.closeAsync().isCompletedExceptionally());
        FileTests.assertNoLeaks(baseline, dir);
    }
}
