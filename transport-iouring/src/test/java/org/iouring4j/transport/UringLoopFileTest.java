package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.transport.reliability.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UringLoopFile} against the kernel: each op through the loop's ring and its future completed on the loop;
 * files larger than a read, many reads in flight at once, the end of a file, the errors the kernel gives (with the
 * op, errno and path), and closing, by the caller with reads in flight or by the loop's shutdown, without leaving a
 * descriptor or a buffer behind.
 */
@ExtendWith({LeakCheck.class, RequiresUring.class})
@Timeout(60)
class UringLoopFileTest {
    private static final int KIB = 1024;
    private static final long WAIT_SECONDS = 10;

    @TempDir
    Path tempDir;

    private EventLoopGroup group;
    private EventLoop loop;

    @BeforeEach
    void setUp() {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        loop = group.next();
    }

    @AfterEach
    void tearDown() throws Exception {
        assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
        assertEquals(List.of(), openFilesUnder(tempDir), "descriptors of the test's files left open");
    }

    @Test
    void writesFsyncsSizesReadsBackAndCloses() throws Exception {
        Path path = tempDir.resolve("written");
        byte[] data = pattern(100 * KIB + 7, 3);
        UringLoopFile file = await(UringLoopFile.open(loop, path, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.CREATE_NEW));
        assertTrue(file.isOpen());
        assertEquals(path.toAbsolutePath().toString(), file.path());
        ByteBuf src = direct(data);
        try {
            assertEquals(data.length, await(file.write(src, 0)));
            assertEquals(data.length, src.readerIndex(), "the reader index advanced by what was written");
            assertEquals(1, src.refCnt(), "the file released its own reference at the completion");
        } finally {
            src.release();
        }
        assertEquals(null, await(file.fsync()));
        assertEquals(null, await(file.fdatasync()));
        assertEquals(data.length, await(file.size()));
        assertArrayEquals(data, Files.readAllBytes(path));

        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(data.length);
        try {
            assertEquals(data.length, await(file.read(dst, 0, data.length)));
            assertEquals(data.length, dst.writerIndex());
            assertArrayEquals(data, bytes(dst));
        } finally {
            dst.release();
        }
        assertEquals(List.of(path.toAbsolutePath().toString()), openFilesUnder(tempDir));
        assertEquals(null, await(file.close()));
        assertFalse(file.isOpen());
        assertEquals(List.of(), openFilesUnder(tempDir), "CLOSE closed the descriptor");
        assertEquals(null, await(file.close()), "a second close returns the same completed future");
    }

    @Test
    void aWriteAtAPositionLeavesTheRestAndReadsStartAtTheirPosition() throws Exception {
        Path path = tempDir.resolve("positioned");
        byte[] data = pattern(64 * KIB, 5);
        Files.write(path, data);
        UringLoopFile file = await(UringLoopFile.open(loop, path, StandardOpenOption.READ, StandardOpenOption.WRITE));
        ByteBuf patch = direct(new byte[] {1, 2, 3});
        try {
            assertEquals(3, await(file.write(patch, 1000)));
        } finally {
            patch.release();
        }
        data[1000] = 1;
        data[1001] = 2;
        data[1002] = 3;
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(100);
        try {
            dst.writeByte(42); // a read lands at the writer index, after what the buffer holds
            assertEquals(99, await(file.read(dst, 950, 1000)), "min(maxBytes, writable bytes) is asked for");
            assertEquals(42, dst.readByte());
            assertArrayEquals(Arrays.copyOfRange(data, 950, 1049), bytes(dst));
        } finally {
            dst.release();
        }
        await(file.close());
        assertArrayEquals(data, Files.readAllBytes(path));
    }

    @Test
    void aFileLargerThanOneReadIsReadWholeInChunksUntilTheEnd() throws Exception {
        byte[] data = pattern(3 * KIB * KIB + 123, 7);
        Path path = tempDir.resolve("large");
        Files.write(path, data);
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        byte[] read = new byte[data.length];
        int total = 0;
        int reads = 0;
        ByteBuf chunk = ByteBufAllocator.DEFAULT.directBuffer(64 * KIB);
        try {
            for (;;) {
                chunk.clear();
                int n = await(file.read(chunk, total, chunk.capacity()));
                if (n == -1) {
                    break;
                }
                assertEquals(n, chunk.readableBytes());
                chunk.readBytes(read, total, n);
                total += n;
                reads++;
            }
        } finally {
            chunk.release();
        }
        assertEquals(data.length, total);
        assertEquals((data.length + 64 * KIB - 1) / (64 * KIB), reads, "full reads, a short last one, then -1");
        assertArrayEquals(data, read);
        await(file.close());
    }

    @Test
    void manyReadsInFlightAtOnceOnOneLoopEachGetTheirBytes() throws Exception {
        int readSize = 16 * KIB;
        int count = 200;
        byte[] data = pattern(readSize * count, 11);
        Path path = tempDir.resolve("concurrent");
        Files.write(path, data);
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        List<ByteBuf> buffers = new ArrayList<>();
        List<Future<Integer>> reads = new ArrayList<>();
        try {
            // Queued from the loop in one task: all of them are in the ring together.
            loop.submit(() -> {
                for (int i = count - 1; i >= 0; i--) {
                    ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(readSize);
                    buffers.add(buf);
                    reads.add(file.read(buf, (long) i * readSize, readSize));
                }
            }).get(WAIT_SECONDS, TimeUnit.SECONDS);
            for (int i = 0; i < count; i++) {
                assertEquals(readSize, await(reads.get(i)));
                int position = (count - 1 - i) * readSize;
                assertArrayEquals(Arrays.copyOfRange(data, position, position + readSize), bytes(buffers.get(i)));
            }
        } finally {
            buffers.forEach(ByteBuf::release);
        }
        await(file.close());
    }

    /**
     * A read allocates no native memory and, on the heap, its promise and nothing more (the result's box is shared
     * while the count repeats): measured on the loop thread over a chain of reads, each started by the previous one's
     * completion.
     */
    @Test
    void readsAllocateNoNativeMemoryAndLittleBeyondTheirPromise() throws Exception {
        Path path = tempDir.resolve("allocations");
        Files.write(path, pattern(64 * KIB, 29));
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        // Not tracked by the (paranoid) leak detector, which records a stack trace at every retain and release.
        ByteBuf dst = new UnpooledByteBufAllocator(true, true).directBuffer(4 * KIB);
        try {
            chainOfReads(file, dst, 2000).get(WAIT_SECONDS, TimeUnit.SECONDS); // warm up: JIT, pools, slot arrays
            long nativeBefore = NativeMemory.allocationCount();
            long[] heapBytes = new long[1];
            int reads = 5000;
            loop.submit(() -> heapBytes[0] = allocatedBytes()).get(WAIT_SECONDS, TimeUnit.SECONDS);
            chainOfReads(file, dst, reads).get(WAIT_SECONDS, TimeUnit.SECONDS);
            long heap = loop.submit(() -> allocatedBytes() - heapBytes[0]).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertEquals(0, NativeMemory.allocationCount() - nativeBefore, "native allocations");
            // A DefaultPromise is some 32 bytes: measured 33 per read here (JDK 17).
            assertTrue(heap / reads <= 64, heap / reads + " bytes allocated on the loop per read");
        } finally {
            dst.release();
        }
        await(file.close());
    }

    /** {@code count} reads of 4 KiB, one after another, each started on the loop by the previous one's completion. */
    private CompletableFuture<Void> chainOfReads(UringLoopFile file, ByteBuf dst, int count) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        int[] left = {count};
        io.netty.util.concurrent.GenericFutureListener<Future<Integer>> next =
                new io.netty.util.concurrent.GenericFutureListener<Future<Integer>>() {
                    @Override
                    public void operationComplete(Future<Integer> read) {
                        if (!read.isSuccess() || read.getNow() != 4 * KIB) {
                            done.completeExceptionally(new AssertionError("read: " + read.cause() + read.getNow()));
                        } else if (--left[0] == 0) {
                            done.complete(null);
                        } else {
                            dst.clear();
                            file.read(dst, (left[0] % 16) * 4L * KIB, 4 * KIB).addListener(this);
                        }
                    }
                };
        loop.execute(() -> {
            dst.clear();
            file.read(dst, 0, 4 * KIB).addListener(next);
        });
        return done;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void atTheEndAReadIsShortThenMinusOne() throws Exception {
        byte[] data = pattern(1000, 13);
        Path path = tempDir.resolve("short");
        Files.write(path, data);
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(4 * KIB);
        try {
            assertEquals(200, await(file.read(dst, 800, 4 * KIB)), "only the bytes before the end");
            assertEquals(-1, await(file.read(dst, 1000, 100)), "at the end");
            assertEquals(-1, await(file.read(dst, 5000, 100)), "past the end");
            assertEquals(200, dst.writerIndex(), "nothing written at the end");
            assertEquals(0, await(file.read(dst, 0, 0)), "nothing asked for");
        } finally {
            dst.release();
        }
        Path empty = tempDir.resolve("empty");
        Files.write(empty, new byte[0]);
        UringLoopFile emptyFile = await(UringLoopFile.open(loop, empty));
        assertEquals(0L, await(emptyFile.size()));
        await(emptyFile.close());
        await(file.close());
    }

    @Test
    void openingAMissingFileFailsWithEnoentNamingOpAndPath() {
        Path missing = tempDir.resolve("missing");
        NativeIoException e = failure(UringLoopFile.open(loop, missing), NativeIoException.class);
        assertEquals("OPENAT", e.op());
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(missing.toAbsolutePath().toString(), e.path());
        assertTrue(e.getMessage().contains("ENOENT") && e.getMessage().contains(missing.toString()), e.getMessage());

        NativeIoException exists = failure(UringLoopFile.open(loop, tempDir, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW), NativeIoException.class);
        assertEquals(Errno.EEXIST, exists.errno());
    }

    @Test
    void readingADirectoryFailsWithEisdir() throws Exception {
        UringLoopFile directory = await(UringLoopFile.open(loop, tempDir));
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(100);
        try {
            NativeIoException e = failure(directory.read(dst, 0, 100), NativeIoException.class);
            assertEquals("READ", e.op());
            assertEquals(Errno.EISDIR, e.errno());
            assertEquals(tempDir.toAbsolutePath().toString(), e.path());
            assertEquals(1, dst.refCnt());
            assertEquals(0, dst.writerIndex());
        } finally {
            dst.release();
        }
        await(directory.close());
    }

    @Test
    void opsAfterCloseFailWithClosedChannelExceptionNamingTheFile() throws Exception {
        Path path = tempDir.resolve("closed");
        Files.write(path, pattern(100, 1));
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        await(file.close());
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(100);
        try {
            ClosedChannelException e = failure(file.read(dst, 0, 100), ClosedChannelException.class);
            assertTrue(e.getMessage().contains(path.toString()), e.getMessage());
            failure(file.read(dst, 0, 0), ClosedChannelException.class);
            failure(file.write(dst, 0), ClosedChannelException.class);
            assertEquals(1, dst.refCnt());
        } finally {
            dst.release();
        }
        failure(file.size(), ClosedChannelException.class);
        failure(file.fsync(), ClosedChannelException.class);
    }

    @Test
    void callsOffTheLoopHopOntoItAndCompleteThere() throws Exception {
        Path path = tempDir.resolve("hop");
        Files.write(path, pattern(4 * KIB, 2));
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        assertFalse(loop.inEventLoop());
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(4 * KIB);
        CompletableFuture<Boolean> completedOnLoop = new CompletableFuture<>();
        try {
            Future<Integer> read = file.read(dst, 0, 4 * KIB);
            read.addListener(f -> completedOnLoop.complete(loop.inEventLoop()));
            assertEquals(4 * KIB, await(read));
            assertTrue(completedOnLoop.get(WAIT_SECONDS, TimeUnit.SECONDS));
        } finally {
            dst.release();
        }
        assertEquals(file.eventLoop(), loop);
        await(file.close());
    }

    @Test
    void buffersTheKernelCannotAddressAndLoopsOfOtherTransportsAreRefused() throws Exception {
        Path path = tempDir.resolve("refused");
        Files.write(path, pattern(10, 1));
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        ByteBuf heap = Unpooled.buffer(10);
        ByteBuf direct = Unpooled.directBuffer(10);
        try {
            assertThrows(IllegalArgumentException.class, () -> file.read(heap, 0, 10));
            assertThrows(IllegalArgumentException.class, () -> file.write(heap.writeZero(1), 0));
            assertThrows(IllegalArgumentException.class, () -> file.read(direct, -1, 1));
            assertThrows(IllegalArgumentException.class, () -> file.read(direct, 0, -1));
            assertEquals(1, heap.refCnt());
            assertEquals(1, direct.refCnt());
        } finally {
            heap.release();
            direct.release();
        }
        await(file.close());
        EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            assertThrows(IllegalArgumentException.class, () -> UringLoopFile.open(nio.next(), path));
        } finally {
            nio.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
        assertThrows(IllegalArgumentException.class, () -> UringLoopFile.open(loop, path,
                StandardOpenOption.READ, StandardOpenOption.APPEND));
        assertThrows(UnsupportedOperationException.class, () -> UringLoopFile.open(loop, path,
                StandardOpenOption.DELETE_ON_CLOSE));
    }

    @Test
    void closingWithReadsInFlightCompletesOrCancelsEachAndReleasesEveryBuffer() throws Exception {
        int readSize = 64 * KIB;
        int count = 64;
        byte[] data = pattern(readSize * count, 17);
        Path path = tempDir.resolve("inflight");
        Files.write(path, data);
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        List<ByteBuf> buffers = new ArrayList<>();
        List<Future<Integer>> reads = new ArrayList<>();
        Future<Void> closed = loop.submit(() -> {
            for (int i = 0; i < count; i++) {
                ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(readSize);
                buffers.add(buf);
                reads.add(file.read(buf, (long) i * readSize, readSize));
            }
            return file.close(); // in the same iteration: the reads are still queued or in the kernel
        }).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(null, await(closed));
        try {
            for (int i = 0; i < count; i++) {
                Future<Integer> read = reads.get(i);
                assertTrue(read.isDone(), "every read completed before the descriptor was closed");
                if (read.isSuccess()) {
                    assertEquals(readSize, read.getNow());
                    assertArrayEquals(Arrays.copyOfRange(data, i * readSize, (i + 1) * readSize),
                            bytes(buffers.get(i)));
                } else {
                    assertInstanceOf(ClosedChannelException.class, read.cause());
                }
                assertEquals(1, buffers.get(i).refCnt(), "the file's reference released");
            }
        } finally {
            buffers.forEach(ByteBuf::release);
        }
        assertEquals(List.of(), openFilesUnder(tempDir));
    }

    @Test
    void closingCancelsAReadThatWaitsAndItFailsAsClosed() throws Exception {
        Path fifo = fifo("waiting");
        // READ + WRITE: a FIFO opened for both ends does not wait for a writer to open; its reads wait for data.
        UringLoopFile file = await(UringLoopFile.open(loop, fifo, StandardOpenOption.READ, StandardOpenOption.WRITE));
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(100);
        try {
            Future<Integer> read = file.read(dst, 0, 100);
            assertFalse(read.await(200, TimeUnit.MILLISECONDS), "nobody writes: the read waits in the kernel");
            assertEquals(null, await(file.close()));
            assertTrue(read.isDone(), "the read completed (cancelled) before the descriptor was closed");
            assertInstanceOf(ClosedChannelException.class, read.cause());
            assertEquals(1, dst.refCnt());
            assertEquals(0, dst.writerIndex());
        } finally {
            dst.release();
        }
    }

    @Test
    void aLoopShuttingDownCancelsAReadThatWaits() throws Exception {
        Path fifo = fifo("shutdown-fifo");
        UringLoopFile file = await(UringLoopFile.open(loop, fifo, StandardOpenOption.READ, StandardOpenOption.WRITE));
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(100);
        try {
            Future<Integer> read = file.read(dst, 0, 100);
            assertFalse(read.await(200, TimeUnit.MILLISECONDS));
            long started = System.nanoTime();
            assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(4),
                    "the read was cancelled, not waited for until the loop gave up (5 s)");
            assertInstanceOf(ClosedChannelException.class, read.cause());
            assertEquals(null, await(file.close()));
            assertEquals(1, dst.refCnt());
        } finally {
            dst.release();
        }
    }

    @Test
    void aLoopShuttingDownClosesItsOpenFilesAndTheirReads() throws Exception {
        Path path = tempDir.resolve("shutdown");
        Files.write(path, pattern(256 * KIB, 19));
        UringLoopFile idle = await(UringLoopFile.open(loop, path));
        UringLoopFile busy = await(UringLoopFile.open(loop, path));
        List<ByteBuf> buffers = new ArrayList<>();
        List<Future<Integer>> reads = new ArrayList<>();
        loop.submit(() -> {
            for (int i = 0; i < 8; i++) {
                ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(32 * KIB);
                buffers.add(buf);
                reads.add(busy.read(buf, i * 32L * KIB, 32 * KIB));
            }
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }).get(WAIT_SECONDS, TimeUnit.SECONDS);
        try {
            assertTrue(group.terminationFuture().await(20, TimeUnit.SECONDS));
            assertEquals(null, await(idle.close()), "the loop closed the file");
            assertEquals(null, await(busy.close()));
            assertFalse(idle.isOpen());
            for (Future<Integer> read : reads) {
                assertTrue(read.isDone());
            }
            for (ByteBuf buf : buffers) {
                assertEquals(1, buf.refCnt());
            }
        } finally {
            buffers.forEach(ByteBuf::release);
        }
        assertEquals(List.of(), openFilesUnder(tempDir));
        ByteBuf dst = ByteBufAllocator.DEFAULT.directBuffer(10);
        try {
            failure(idle.read(dst, 0, 10), ClosedChannelException.class);
        } finally {
            dst.release();
        }
        failure(UringLoopFile.open(loop, path), Exception.class);
    }

    private Path fifo(String name) throws Exception {
        Path fifo = tempDir.resolve(name);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(0, mkfifo.exitValue());
        return fifo;
    }

    private static <T> T await(Future<T> future) throws Exception {
        assertTrue(future.await(WAIT_SECONDS, TimeUnit.SECONDS), "not completed in time");
        if (!future.isSuccess()) {
            throw new ExecutionException(future.cause());
        }
        return future.getNow();
    }

    private static <E extends Throwable> E failure(Future<?> future, Class<E> type) {
        try {
            assertTrue(future.await(WAIT_SECONDS, TimeUnit.SECONDS), "not completed in time");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertFalse(future.isSuccess(), "expected a failure, got " + future.getNow());
        return assertInstanceOf(type, future.cause());
    }

    private static ByteBuf direct(byte[] data) {
        return ByteBufAllocator.DEFAULT.directBuffer(data.length).writeBytes(data);
    }

    private static byte[] bytes(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes;
    }

    static byte[] pattern(int length, int seed) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 31 + seed + (i >>> 12));
        }
        return data;
    }

    /** What this process's descriptors under {@code dir} point to (directory itself included), sorted. */
    static List<String> openFilesUnder(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(dir.toAbsolutePath().toString())) {
                        found.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own descriptor
                }
            }
        }
        found.sort(null);
        return found;
    }
}
