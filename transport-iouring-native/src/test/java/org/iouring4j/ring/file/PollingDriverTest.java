package org.iouring4j.ring.file;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.RequiresIoUring;
import org.iouring4j.ring.RingConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.iouring4j.ring.file.FileTests.await;
import static org.iouring4j.ring.file.FileTests.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drivers whose ring polls: IOPOLL (completions found by polling the device, O_DIRECT only) and SQPOLL (a kernel
 * thread takes submissions). Every wait is bounded: an IOPOLL ring that cannot poll must fail, not hang.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(60)
class PollingDriverTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path dir;
    private Path directDir;

    @AfterEach
    void removeFallbackDir() throws Exception {
        if (directDir != null && !directDir.equals(dir)) {
            FileTests.deleteTree(directDir);
        }
    }

    private static UringFileDriver ioPollDriver(boolean sqPoll) throws Exception {
        return UringFileDriver.builder()
                .ring(RingConfig.builder().entries(64).ioPoll(true).sqPoll(sqPoll).sqThreadIdleMillis(sqPoll ? 10 : 0)
                        .build())
                .registeredBuffers(2, BLOCK).start();
    }

    /**
     * An aligned O_DIRECT read and write on an IOPOLL driver. Whether the device polls decides the outcome: data,
     * or EOPNOTSUPP saying the device has no poll queues. Both are bounded; which one this machine gives is printed.
     */
    @Test
    void ioPollOnADirectFileCompletesOrFailsClearly() throws Exception {
        runIoPollOnDirectFile(false);
    }

    @Test
    void ioPollWithSqPollOnADirectFileCompletesOrFailsClearly() throws Exception {
        runIoPollOnDirectFile(true);
    }

    private void runIoPollOnDirectFile(boolean sqPoll) throws Exception {
        long baseline = FileTests.nativeBaseline();
        directDir = FileTests.directIoDir(dir);
        Path path = directDir.resolve("polled");
        byte[] data = pattern(16 * BLOCK, 1);
        Files.write(path, data);
        try (UringFileDriver driver = ioPollDriver(sqPoll)) {
            // Opening, stat and sync are not polled I/O: the driver runs them on its plain control ring.
            UringFile file = await(driver.open(path, FileDescriptors.O_RDWR | FileDescriptors.O_DIRECT, 0));
            assertEquals(16L * BLOCK, await(file.size()));
            RegisteredBuffer buffer = driver.registeredBuffers().tryAcquire();
            String read = outcome(file.read(buffer, 0, BLOCK, 2 * BLOCK));
            if (read.equals(BLOCK + " bytes")) {
                byte[] got = new byte[BLOCK];
                buffer.byteBuffer().get(0, got);
                assertArrayEquals(Arrays.copyOfRange(data, 2 * BLOCK, 3 * BLOCK), got);
            }
            String write = outcome(file.write(buffer, 0, BLOCK, 4 * BLOCK));
            System.out.println("IOPOLL" + (sqPoll ? "+SQPOLL" : "") + " on an O_DIRECT file in " + directDir
                    + ": READ_FIXED -> " + read + "; WRITE_FIXED -> " + write);
            await(file.dataSync());
            buffer.release();
            await(file.closeAsync());
        }
        FileTests.assertNoLeaks(baseline, directDir);
    }

    /** Data, or EOPNOTSUPP with the hint naming poll queues; anything else fails the test. */
    private static String outcome(CompletableFuture<Integer> op) throws Exception {
        try {
            return op.get(FileTests.TIMEOUT_SECONDS, TimeUnit.SECONDS) + " bytes";
        } catch (ExecutionException e) {
            NativeIoException error = assertInstanceOf(NativeIoException.class, e.getCause());
            assertEquals(Errno.EOPNOTSUPP, error.errno(), error.getMessage());
            assertTrue(error.getMessage().contains("poll queues"), error.getMessage());
            return error.getMessage();
        }
    }

    /** A file without O_DIRECT cannot be polled: its reads fail at once with a message saying so. */
    @Test
    void ioPollOnABufferedFileFailsInsteadOfHanging() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("buffered");
        Files.write(path, pattern(BLOCK, 2));
        try (UringFileDriver driver = ioPollDriver(false)) {
            UringFile file = await(driver.open(path));
            long start = System.nanoTime();
            NativeIoException e = FileTests.assertFails(file.read(ByteBuffer.allocateDirect(BLOCK), 0), "READ",
                    Errno.EOPNOTSUPP, path);
            assertTrue(e.getMessage().contains("polls only files opened with O_DIRECT"), e.getMessage());
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
            assertTrue(await(file.stat()).isRegularFile());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /**
     * An SQPOLL driver reads a file, 32 reads in flight, each next read made in the completion of the one before,
     * every read checked. Its kernel thread takes the SQEs, so the driver enters the kernel only to wait (or to wake
     * that thread). How often that is, and the CPU the whole process burned (the SQPOLL thread counts in it), is
     * printed beside a plain driver's figures for the same reads: on a loaded 2-vCPU machine they vary too much from
     * run to run to assert an order.
     */
    @Test
    void sqPollDriverReadsAFile() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("sqpoll");
        Files.write(path, pattern(64 * BLOCK, 3));
        int reads = 50_000;
        pipelinedReads(path, reads, RingConfig.builder().entries(64).build(), "plain");
        pipelinedReads(path, reads, RingConfig.builder().entries(64).sqPoll(true).sqThreadIdleMillis(50).build(),
                "SQPOLL");
        FileTests.assertNoLeaks(baseline, dir);
    }

    /** Reads {@code reads} blocks through a driver on {@code config}, 32 at a time, and prints what it cost. */
    private static void pipelinedReads(Path path, int reads, RingConfig config, String name) throws Exception {
        try (UringFileDriver driver = UringFileDriver.builder().ring(config).start()) {
            UringFile file = await(driver.open(path));
            long entersBefore = driver.mainRingEnters();
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            ReadChains chains = new ReadChains(file, reads, 64);
            assertEquals(reads, chains.run(32));
            long elapsed = System.nanoTime() - start;
            long cpu = processCpuNanos() - cpuBefore;
            long enters = driver.mainRingEnters() - entersBefore;
            System.out.printf("%s driver: %d reads (32 in flight) in %d ms, process CPU %.2f us per read (any SQPOLL"
                    + " thread included), %d io_uring_enter calls%n", name, reads, elapsed / 1_000_000,
                    cpu / 1e3 / reads, enters);
        }
    }

    /** Chains of reads: each completion (on the driver thread) checks its block and makes the chain's next read. */
    private static final class ReadChains {
        private static final byte[] DATA = pattern(64 * BLOCK, 3);
        private final UringFile file;
        private final int blocks;
        private final java.util.concurrent.atomic.AtomicInteger left;
        private final java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        private final CompletableFuture<Integer> finished = new CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();

        ReadChains(UringFile file, int reads, int blocks) {
            this.file = file;
            this.blocks = blocks;
            this.left = new java.util.concurrent.atomic.AtomicInteger(reads);
        }

        int run(int depth) throws Exception {
            live.set(depth);
            for (int i = 0; i < depth; i++) {
                next(ByteBuffer.allocateDirect(BLOCK), i);
            }
            return await(finished);
        }

        private void next(ByteBuffer buffer, int seed) {
            if (left.getAndDecrement() <= 0) {
                if (live.decrementAndGet() == 0) {
                    finished.complete(done.get());
                }
                return;
            }
            int block = Math.floorMod(seed * 31 + done.get(), blocks);
            buffer.clear();
            file.read(buffer, (long) block * BLOCK).whenComplete((n, e) -> {
                if (e != null || n != BLOCK || buffer.get(0) != DATA[block * BLOCK]) {
                    finished.completeExceptionally(e != null ? e : new AssertionError("bad read of block " + block));
                    return;
                }
                done.incrementAndGet();
                next(buffer, seed + 1);
            });
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
