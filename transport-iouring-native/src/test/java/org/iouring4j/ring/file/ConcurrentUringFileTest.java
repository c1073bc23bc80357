package org.iouring4j.ring.file;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.RequiresIoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.iouring4j.ring.file.FileTests.await;
import static org.iouring4j.ring.file.FileTests.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several threads on one driver, and closing files and the driver while ops are in flight. */
@ExtendWith(RequiresIoUring.class)
@Timeout(60)
class ConcurrentUringFileTest {
    @TempDir
    Path dir;

    /** Four threads read random blocks of one file at once, each with 16 reads in flight, and check every byte. */
    @Test
    void concurrentReadersEachGetTheirOwnBytes() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("shared");
        int blocks = 1024;
        byte[] data = pattern(blocks * 4096, 1);
        Files.write(path, data);
        int threads = 4;
        int readsPerThread = 4000;
        int depth = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // A small ring (CQ of 64), so that 64 reads in flight also exercise the driver's backlog.
        try (UringFileDriver driver = UringFileDriver.builder()
                .ring(org.iouring4j.ring.RingConfig.builder().entries(32).build()).start()) {
            UringFile file = await(driver.open(path));
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    ByteBuffer[] buffers = new ByteBuffer[depth];
                    int[] positions = new int[depth];
                    List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
                    byte[] got = new byte[4096];
                    int verified = 0;
                    for (int i = 0; i < depth; i++) {
                        buffers[i] = ByteBuffer.allocateDirect(4096);
                        inFlight.add(null);
                    }
                    for (int n = 0; n < readsPerThread + depth; n++) {
                        int slot = n % depth;
                        if (inFlight.get(slot) != null) {
                            assertEquals(4096, inFlight.get(slot).get(10, TimeUnit.SECONDS));
                            buffers[slot].flip().get(got);
                            if (!Arrays.equals(data, positions[slot], positions[slot] + 4096, got, 0, 4096)) {
                                throw new AssertionError("wrong bytes at " + positions[slot]);
                            }
                            verified++;
                            inFlight.set(slot, null);
                        }
                        if (n < readsPerThread) {
                            positions[slot] = ThreadLocalRandom.current().nextInt(blocks) * 4096;
                            buffers[slot].clear();
                            inFlight.set(slot, file.read(buffers[slot], positions[slot]));
                        }
                    }
                    return verified;
                }));
            }
            for (Future<Integer> result : results) {
                assertEquals(readsPerThread, result.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /**
     * A read that cannot complete (an empty pipe, reopened through /proc as a file) is in flight when the file is
     * closed: it is cancelled with ECANCELED and a message saying why, then the fd is closed.
     */
    @Test
    void closeCancelsAReadInFlight() throws Exception {
        long baseline = FileTests.nativeBaseline();
        int[] pipe = FileDescriptors.pipe();
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            Path readEnd = Path.of("/proc/self/fd/" + pipe[0]);
            UringFile file = await(driver.open(readEnd));
            CompletableFuture<Integer> stuck = file.read(ByteBuffer.allocateDirect(16), 0);
            assertEquals(false, waitForCompletion(stuck, 200), "nothing to read: the read waits in the kernel");
            await(file.closeAsync());
            NativeIoException e = FileTests.failure(stuck);
            assertEquals(Errno.ECANCELED, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("cancelled because the file was closed"), e.getMessage());
        } finally {
            FileDescriptors.close(pipe[0]);
            FileDescriptors.close(pipe[1]);
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /** Closing the driver with such a read in flight cancels it, closes the file and stops, in bounded time. */
    @Test
    void closingTheDriverCancelsReadsInFlight() throws Exception {
        long baseline = FileTests.nativeBaseline();
        int[] pipe = FileDescriptors.pipe();
        try {
            UringFileDriver driver = UringFileDriver.builder().start();
            UringFile file = await(driver.open(Path.of("/proc/self/fd/" + pipe[0])));
            List<CompletableFuture<Integer>> stuck = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                stuck.add(file.read(ByteBuffer.allocateDirect(16), 0));
            }
            long start = System.nanoTime();
            driver.close();
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 5, "close took too long");
            assertTrue(driver.isTerminated());
            assertTrue(file.closeAsync().isDone());
            for (CompletableFuture<Integer> read : stuck) {
                assertEquals(Errno.ECANCELED, FileTests.failure(read).errno());
            }
        } finally {
            FileDescriptors.close(pipe[0]);
            FileDescriptors.close(pipe[1]);
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /**
     * Threads keep reading while another closes the file: every op completes, with its bytes or with EBADF (made
     * after the close) or ECANCELED (in flight at the close), and the close completes.
     */
    @Test
    void closeWhileOtherThreadsReadLosesNoCompletion() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("racing");
        Files.write(path, pattern(256 * 4096, 2));
        int threads = 3;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (UringFileDriver driver = UringFileDriver.builder().start()) {
            UringFile file = await(driver.open(path));
            CountDownLatch started = new CountDownLatch(threads);
            List<Future<List<CompletableFuture<Integer>>>> submitted = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                submitted.add(pool.submit(() -> {
                    List<CompletableFuture<Integer>> ops = new ArrayList<>();
                    ops.add(file.read(ByteBuffer.allocateDirect(4096), 0));
                    ops.get(0).get(10, TimeUnit.SECONDS); // one read done before the close, for sure
                    started.countDown();
                    for (;;) {
                        boolean closed = !file.isOpen();
                        ops.add(file.read(ByteBuffer.allocateDirect(4096),
                                ThreadLocalRandom.current().nextInt(256) * 4096L));
                        if (closed) {
                            return ops; // the last one was made after the close, for sure
                        }
                    }
                }));
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            await(file.closeAsync());
            int ok = 0;
            int failed = 0;
            for (Future<List<CompletableFuture<Integer>>> ops : submitted) {
                for (CompletableFuture<Integer> op : ops.get(10, TimeUnit.SECONDS)) {
                    try {
                        assertEquals(4096, op.get(10, TimeUnit.SECONDS));
                        ok++;
                    } catch (ExecutionException e) {
                        NativeIoException error = assertInstanceOf(NativeIoException.class, e.getCause());
                        assertTrue(error.errno() == Errno.EBADF || error.errno() == Errno.ECANCELED,
                                error.getMessage());
                        failed++;
                    }
                }
            }
            assertTrue(ok >= threads && failed >= threads,
                    "reads before and after the close: " + ok + " ok, " + failed + " failed");
        } finally {
            pool.shutdownNow();
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /**
     * The caller breaks the rules and shrinks a buffer while a read fills it: that read fails (its position cannot
     * move past the new limit), and the driver thread, which found out, carries on with other ops.
     */
    @Test
    void aBufferTamperedWithInFlightFailsOnlyItsOwnOp() throws Exception {
        long baseline = FileTests.nativeBaseline();
        int[] pipe = FileDescriptors.pipe();
        try (UringFileDriver driver = UringFileDriver.builder().start();
             org.iouring4j.ring.NativeMemory five = org.iouring4j.ring.NativeMemory.allocate(5)) {
            UringFile file = await(driver.open(Path.of("/proc/self/fd/" + pipe[0])));
            ByteBuffer dst = ByteBuffer.allocateDirect(16);
            CompletableFuture<Integer> read = file.read(dst, 0);
            assertEquals(false, waitForCompletion(read, 100));
            dst.limit(0);
            assertEquals(5, FileDescriptors.write(pipe[1], five.address(), 5));
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> read.get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
            assertEquals(5, FileDescriptors.write(pipe[1], five.address(), 5));
            assertEquals(5, await(file.read(ByteBuffer.allocateDirect(16), 0)), "the driver still runs ops");
        } finally {
            FileDescriptors.close(pipe[0]);
            FileDescriptors.close(pipe[1]);
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    private static boolean waitForCompletion(CompletableFuture<?> future, long millis) throws Exception {
        try {
            future.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }
}
