package org.iouring4j.benchmarks.file;

import com.sun.nio.file.ExtendedOpenOption;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.RingConfig;
import org.iouring4j.ring.SubmissionQueue;
import org.iouring4j.ring.file.DirectIo;
import org.iouring4j.ring.file.UringFile;
import org.iouring4j.ring.file.UringFileDriver;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One way of making 4 KiB reads at random block-aligned positions of a file, run by each benchmark thread until a
 * deadline. Each returns the reads it completed (every read is checked to have returned a whole block).
 */
abstract class RandomReader implements AutoCloseable {
    static final int BLOCK = 4096;

    final Path path;
    final boolean direct;
    final long blocks;
    final int depth;

    RandomReader(Path path, boolean direct, long size, int depth) {
        this.path = path;
        this.direct = direct;
        this.blocks = size / BLOCK;
        this.depth = depth;
    }

    /** The table's name for this way of reading. */
    abstract String name();

    /** Reads until {@code deadline} ({@link System#nanoTime()}) from one benchmark thread; returns reads done. */
    abstract long run(int thread, long deadline) throws Exception;

    /** Starts one read of a block at a position. */
    interface ReadStarter {
        Future<Integer> read(ByteBuffer dst, long position) throws Exception;
    }

    /**
     * Keeps {@code depth} reads in flight until {@code deadline}, waiting on the oldest and replacing it; returns
     * the reads completed (those still in flight at the deadline are let finish, not counted).
     */
    long readWaitingOnOldest(int thread, long deadline, ReadStarter start) throws Exception {
        SplittableRandom random = new SplittableRandom(thread);
        ByteBuffer[] buffers = new ByteBuffer[depth];
        @SuppressWarnings("unchecked")
        Future<Integer>[] reads = (Future<Integer>[]) new Future<?>[depth];
        for (int i = 0; i < depth; i++) {
            buffers[i] = blockBuffer();
            reads[i] = start.read(buffers[i], randomPosition(random));
        }
        long done = 0;
        for (int i = 0; ; i = (i + 1) % depth) {
            check(reads[i].get(10, TimeUnit.SECONDS));
            done++;
            if (System.nanoTime() - deadline >= 0) {
                break;
            }
            buffers[i].clear();
            reads[i] = start.read(buffers[i], randomPosition(random));
        }
        for (Future<Integer> read : reads) {
            read.get(10, TimeUnit.SECONDS);
        }
        return done;
    }

    /** Opens {@code path} read-only on {@code driver}, with O_DIRECT when {@code direct}. */
    static UringFile openForReads(UringFileDriver driver, Path path, boolean direct) throws Exception {
        return driver.open(path, FileDescriptors.O_RDONLY | (direct ? FileDescriptors.O_DIRECT : 0), 0)
                .get(10, TimeUnit.SECONDS);
    }

    long randomPosition(SplittableRandom random) {
        return random.nextLong(blocks) * BLOCK;
    }

    /** A block-sized direct buffer, page-aligned so that it suits O_DIRECT. */
    static ByteBuffer blockBuffer() {
        return DirectIo.allocateAligned(BLOCK, BLOCK);
    }

    static void check(int n) {
        if (n != BLOCK) {
            throw new IllegalStateException("short read: " + n);
        }
    }

    OpenOption[] openOptions() {
        return direct ? new OpenOption[] {StandardOpenOption.READ, ExtendedOpenOption.DIRECT}
                : new OpenOption[] {StandardOpenOption.READ};
    }

    @Override
    public void close() throws Exception {
    }

    /** {@code FileChannel.read(buffer, position)}: blocking, so one read in flight per thread whatever the depth. */
    static final class FileChannelReader extends RandomReader {
        private final FileChannel channel;

        FileChannelReader(Path path, boolean direct, long size) throws IOException {
            super(path, direct, size, 1);
            this.channel = FileChannel.open(path, openOptions());
        }

        @Override
        String name() {
            return "FileChannel (blocking)";
        }

        @Override
        long run(int thread, long deadline) throws IOException {
            SplittableRandom random = new SplittableRandom(thread);
            ByteBuffer buffer = blockBuffer();
            long reads = 0;
            while (System.nanoTime() - deadline < 0) {
                buffer.clear();
                check(channel.read(buffer, randomPosition(random)));
                reads++;
            }
            return reads;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** {@code AsynchronousFileChannel}: {@code depth} reads in flight per thread, its default thread pool. */
    static final class AsyncChannelReader extends RandomReader {
        private final AsynchronousFileChannel channel;

        AsyncChannelReader(Path path, boolean direct, long size, int depth) throws IOException {
            super(path, direct, size, depth);
            this.channel = AsynchronousFileChannel.open(path, openOptions());
        }

        @Override
        String name() {
            return "AsynchronousFileChannel";
        }

        @Override
        long run(int thread, long deadline) throws Exception {
            return readWaitingOnOldest(thread, deadline, channel::read);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** {@link UringFile} on one shared driver; each thread keeps {@code depth} futures and waits on the oldest. */
    static final class UringFileBlockingReader extends RandomReader {
        private final UringFileDriver driver;
        private final UringFile file;

        UringFileBlockingReader(UringFileDriver driver, Path path, boolean direct, long size, int depth)
                throws Exception {
            super(path, direct, size, depth);
            this.driver = driver;
            this.file = openForReads(driver, path, direct);
        }

        @Override
        String name() {
            return "UringFile, caller waits" + (driver.isSqPoll() ? " (SQPOLL)" : "");
        }

        @Override
        long run(int thread, long deadline) throws Exception {
            return readWaitingOnOldest(thread, deadline, file::read);
        }

        @Override
        public void close() throws Exception {
            file.closeAsync().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * {@link UringFile} on one shared driver, {@code depth} chains per thread: each read's completion (on the driver
     * thread) makes the chain's next read, so reads go into the ring without a queue or a wakeup.
     */
    static final class UringFilePipelinedReader extends RandomReader {
        private final UringFileDriver driver;
        private final UringFile file;

        UringFilePipelinedReader(UringFileDriver driver, Path path, boolean direct, long size, int depth)
                throws Exception {
            super(path, direct, size, depth);
            this.driver = driver;
            this.file = openForReads(driver, path, direct);
        }

        @Override
        String name() {
            return "UringFile, next read in callback" + (driver.isSqPoll() ? " (SQPOLL)" : "");
        }

        @Override
        long run(int thread, long deadline) throws Exception {
            AtomicLong done = new AtomicLong();
            AtomicLong live = new AtomicLong(depth);
            CompletableFuture<Void> finished = new CompletableFuture<>();
            SplittableRandom seeds = new SplittableRandom(thread);
            for (int i = 0; i < depth; i++) {
                new Chain(blockBuffer(), seeds.split(), deadline, done, live, finished).next();
            }
            finished.get(TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()) + 10, TimeUnit.SECONDS);
            return done.get();
        }

        /** One read at a time, the next made when the last completes, until the deadline. */
        private final class Chain {
            private final ByteBuffer buffer;
            private final SplittableRandom random;
            private final long deadline;
            private final AtomicLong done;
            private final AtomicLong live;
            private final CompletableFuture<Void> finished;

            Chain(ByteBuffer buffer, SplittableRandom random, long deadline, AtomicLong done, AtomicLong live,
                  CompletableFuture<Void> finished) {
                this.buffer = buffer;
                this.random = random;
                this.deadline = deadline;
                this.done = done;
                this.live = live;
                this.finished = finished;
            }

            void next() {
                if (System.nanoTime() - deadline >= 0) {
                    if (live.decrementAndGet() == 0) {
                        finished.complete(null);
                    }
                    return;
                }
                buffer.clear();
                file.read(buffer, randomPosition(random)).whenComplete((n, failure) -> {
                    if (failure != null || n != BLOCK) {
                        finished.completeExceptionally(failure != null ? failure
                                : new IllegalStateException("short read: " + n));
                        return;
                    }
                    done.incrementAndGet();
                    next();
                });
            }
        }

        @Override
        public void close() throws Exception {
            file.closeAsync().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The ring library without {@code UringFile}: each thread owns a ring and keeps {@code depth} READs in flight,
     * reaping and resubmitting in one {@code io_uring_enter} per turn. The floor of what a ring per thread costs.
     */
    static final class RingPerThreadReader extends RandomReader {
        private final int fd;

        RingPerThreadReader(Path path, boolean direct, long size, int depth) throws IOException {
            super(path, direct, size, depth);
            this.fd = FileDescriptors.open(path.toString(),
                    FileDescriptors.O_RDONLY | (direct ? FileDescriptors.O_DIRECT : 0), 0);
        }

        @Override
        String name() {
            return "ring per thread (ring API, no futures)";
        }

        @Override
        long run(int thread, long deadline) throws Exception {
            SplittableRandom random = new SplittableRandom(thread);
            try (Ring ring = Ring.open(RingConfig.builder().entries(Math.max(depth, 2)).build());
                 NativeMemory buffers = NativeMemory.mapAnonymous(depth * BLOCK)) {
                SubmissionQueue sq = ring.submissionQueue();
                for (int i = 0; i < depth; i++) {
                    sq.addRead(fd, buffers.address() + (long) i * BLOCK, BLOCK, randomPosition(random), i);
                }
                long[] done = new long[1];
                boolean[] more = {true};
                int[] inFlight = {depth};
                while (inFlight[0] > 0) {
                    ring.submitAndWait(1);
                    more[0] = System.nanoTime() - deadline < 0;
                    ring.completionQueue().drain((userData, res, flags) -> {
                        check(res);
                        if (more[0]) {
                            done[0]++; // as for the others, reads still in flight at the deadline do not count
                            sq.addRead(fd, buffers.address() + userData * BLOCK, BLOCK, randomPosition(random),
                                    userData);
                        } else {
                            inFlight[0]--;
                        }
                    });
                }
                return done[0];
            }
        }

        @Override
        public void close() throws IOException {
            FileDescriptors.close(fd);
        }
    }
}
