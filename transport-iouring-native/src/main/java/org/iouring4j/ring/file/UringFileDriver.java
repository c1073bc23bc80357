package org.iouring4j.ring.file;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.EventFd;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.RingConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A ring for file I/O and the one thread that drives it: {@link UringFile}s opened through a driver submit their
 * ops to its ring from any thread, and their futures complete on its thread.
 *
 * <p><b>Why a driver thread.</b> A ring has one issuer, so a file API usable from any thread either gives each
 * calling thread a ring of its own, or hands ops to one thread that owns the ring. A ring per thread is the cheaper
 * where the thread can reap its own completions. Measured by {@code FileReadBenchmark} (benchmarks module; 4 KiB
 * reads of a page-cached file at queue depth 32, Linux 6.18 on a shared, noisy 2-vCPU VM; two runs): with one
 * thread, a ring per thread made 466-473k reads/s at 0.99 us of CPU per read; this driver 363-449k at 1.08-1.31 us
 * when each next read is made in the previous one's callback, 162-235k at 4.1-5.1 us when the caller blocks on each
 * future. With two threads, 433-550k at 0.90-0.99 us with a ring each; 321-416k at 1.05-1.33 us sharing one driver,
 * whose one thread does all the ring work; 238-318k at 2.9-4.6 us blocking. But a ring per thread completes a
 * future only when its thread comes back to reap: a thread that submits and then blocks in {@code join()}, or
 * returns to a pool, would never see its future complete. The driver keeps futures working from any thread and
 * costs about what a ring per thread does when work is chained in callbacks; blocking on every future costs some
 * 2-4 us of thread handoffs per read (queue and eventfd one way, an unpark the other), which matters for page-cache
 * reads of a microsecond, not for device reads (3-7 us of CPU per O_DIRECT read in all, against 15-19 us for
 * {@code AsynchronousFileChannel}). For more parallelism, start a driver per core; an event loop that owns a ring
 * submits through it instead.
 *
 * <p>The loop takes ops from a lock-free queue, fills SQEs for all of them, and submits and waits with one
 * {@code io_uring_enter} per turn, so ops from many threads share syscalls. A caller wakes a sleeping driver with one
 * eventfd write (a READ of it stays queued in the ring); ops made on the driver thread itself, e.g. in a completion
 * callback ({@link UringFile#readFully} does this), go straight into the ring.
 *
 * <p><b>IOPOLL and SQPOLL</b> ({@link Builder#ring(RingConfig)}): on an IOPOLL ring the driver polls for completions
 * while reads or writes are in flight (one CPU busy) and sleeps otherwise; since such a ring refuses every other op,
 * the driver runs opens, stats, syncs and closes on a second, plain ring. Only O_DIRECT files on a file system and
 * block device with poll queues work there (NVMe with {@code poll_queues}); others fail with EOPNOTSUPP. With SQPOLL
 * a kernel thread submits, so the driver makes no syscall to submit while that thread is awake; it still enters
 * the kernel to wait for completions, as a plain driver does (about once per batch of reads). That thread needs a
 * CPU of its own: on the 2-vCPU machine above it made page-cached reads 1.5 to 3 times dearer in CPU than a plain
 * ring, and single reads far slower, while it competed with the driver for the CPUs.
 *
 * <p><b>Closing</b> ({@link #close()}): later opens fail; files still open are closed (their ops in flight cancelled
 * or completed first); the ring is closed once nothing is in flight, or after
 * {@link Builder#closeTimeout(Duration)} (then native memory the kernel might still write is left allocated rather
 * than freed).
 */
public final class UringFileDriver implements AutoCloseable {
    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;
    private static final int SIGNALLING = 2;
    private static final int CLOSED = 3;
    /** Longest block while shutting down, so the close timeout is checked. */
    private static final long SHUTDOWN_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Thread thread;
    private final EventFd wakeup;
    private final ConcurrentLinkedQueue<FileOp> queue = new ConcurrentLinkedQueue<>();
    /**
     * AWAKE, SLEEPING (the driver may block in the kernel: a submitter must signal), SIGNALLING (a submitter is
     * writing the eventfd) or CLOSED (the eventfd is gone: nobody may write it). The driver never blocks or closes
     * while a signal is being written, so the eventfd written is always this driver's.
     */
    private final AtomicInteger wakeState = new AtomicInteger(AWAKE);
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final boolean ioPoll;
    private final boolean sqPoll;
    private final long closeTimeoutNanos;
    private final RegisteredBuffers buffers;
    private volatile boolean closing;
    private volatile boolean stopped;
    /** Driver-thread only: set once the ring is open. */
    private FileRing ring;

    private UringFileDriver(Builder builder) throws IOException {
        this.ioPoll = (builder.ring.setupFlags() & IoUring.IORING_SETUP_IOPOLL) != 0;
        this.sqPoll = (builder.ring.setupFlags() & IoUring.IORING_SETUP_SQPOLL) != 0;
        this.closeTimeoutNanos = builder.closeTimeout.toNanos();
        this.buffers = builder.bufferCount > 0 ? new RegisteredBuffers(builder.bufferCount, builder.bufferSize) : null;
        EventFd eventFd = null;
        try {
            eventFd = EventFd.create();
        } finally {
            if (eventFd == null && buffers != null) {
                buffers.free();
            }
        }
        this.wakeup = eventFd;
        String name = builder.threadName != null ? builder.threadName
                : "iouring4j-file-driver-" + THREAD_IDS.incrementAndGet();
        CompletableFuture<Void> started = new CompletableFuture<>();
        // The ring is opened on the driver thread: a registered ring fd, and SINGLE_ISSUER, belong to its opener.
        this.thread = new Thread(() -> run(builder, started), name);
        thread.setDaemon(true);
        thread.start();
        try {
            started.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while starting " + name, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException ? (IOException) cause : new IOException(cause);
        }
    }

    /** A builder: default ring of 256 entries, no registered buffers or files. */
    public static Builder builder() {
        return new Builder();
    }

    /** Opens {@code path} through this driver; see {@link UringFile#open(UringFileDriver, Path, int, int)}. */
    public CompletableFuture<UringFile> open(Path path, int flags, int mode) {
        return UringFile.open(this, path, flags, mode);
    }

    /** Opens {@code path} read-only. */
    public CompletableFuture<UringFile> open(Path path) {
        return open(path, FileDescriptors.O_RDONLY, 0);
    }

    /**
     * The pool of registered buffers.
     *
     * @throws IllegalStateException if none was configured ({@link Builder#registeredBuffers(int, int)})
     */
    public RegisteredBuffers registeredBuffers() {
        if (buffers == null) {
            throw new IllegalStateException("no registered buffers: configure them with"
                    + " UringFileDriver.builder().registeredBuffers(count, size)");
        }
        return buffers;
    }

    RegisteredBuffers registeredBuffersOrNull() {
        return buffers;
    }

    /** Whether reads and writes go to an IOPOLL ring. */
    public boolean isIoPoll() {
        return ioPoll;
    }

    /** Whether the ring has an SQPOLL thread. */
    public boolean isSqPoll() {
        return sqPoll;
    }

    /** Whether the calling thread is the driver thread. */
    public boolean inDriverThread() {
        return Thread.currentThread() == thread;
    }

    /** Whether the driver thread has stopped (after {@link #close()}, or a failure of the ring itself). */
    public boolean isTerminated() {
        return stopped;
    }

    /** Completes when the driver thread has stopped and released the ring; exceptionally if the ring failed. */
    public CompletableFuture<Void> terminationFuture() {
        return terminated;
    }

    /** For tests: calls of {@code io_uring_enter} on the main ring so far. */
    long mainRingEnters() {
        return ring.mainEnters();
    }

    /** Hands {@code op} to the driver thread: straight into the ring from that thread, else through the queue. */
    void execute(FileOp op) {
        if (inDriverThread()) {
            if (stopped) {
                reject(op);
            } else {
                ring.start(op);
            }
            return;
        }
        if (stopped || closing && op instanceof OpenOp) {
            reject(op);
            return;
        }
        queue.offer(op);
        // The driver drains the queue once more after it stops: it or we take op, never both.
        if (stopped && queue.remove(op)) {
            reject(op);
            return;
        }
        wakeUp();
    }

    private void wakeUp() {
        if (wakeState.get() == SLEEPING && wakeState.compareAndSet(SLEEPING, SIGNALLING)) {
            try {
                wakeup.signal();
            } catch (NativeIoException e) {
                // Cannot fail on an open eventfd whose counter the driver keeps reading.
            } finally {
                wakeState.set(AWAKE);
            }
        }
    }

    /** Fails an op the driver will not run: it is closing or closed. */
    private void reject(FileOp op) {
        if (op instanceof ControlOp && ((ControlOp) op).isClose()) {
            return; // the driver closed every file before it stopped; the close future is complete already
        }
        String path = op.file != null ? op.file.path() : op instanceof OpenOp ? ((OpenOp) op).path() : null;
        op.fail(new NativeIoException(op.name(), path, Errno.EBADF, "the UringFileDriver is "
                + (stopped ? "closed" : "closing")));
        op.release();
    }

    private void run(Builder builder, CompletableFuture<Void> started) {
        try {
            ring = new FileRing(builder.ring, wakeup, buffers, builder.fixedFiles);
        } catch (Throwable t) {
            stopped = true;
            wakeState.set(CLOSED);
            wakeup.close();
            if (buffers != null) {
                buffers.free();
            }
            terminated.completeExceptionally(t);
            started.completeExceptionally(t);
            return;
        }
        started.complete(null);
        Throwable failure = null;
        try {
            loop();
        } catch (Throwable t) {
            failure = t;
        } finally {
            terminate(failure);
        }
    }

    private void loop() throws NativeIoException {
        long deadline = 0;
        boolean shuttingDown = false;
        for (;;) {
            ring.reap();
            takeQueued();
            if (closing) {
                if (!shuttingDown) {
                    shuttingDown = true;
                    deadline = System.nanoTime() + closeTimeoutNanos;
                }
                ring.closeOpenFiles();
                if (ring.onlyWakeupLeft() && queue.isEmpty()) {
                    ring.stopWakeups();
                    wakeup.signal(); // completes the queued wakeup read, the last op in flight
                }
                if (ring.isIdle() && queue.isEmpty() || System.nanoTime() - deadline > 0) {
                    return;
                }
            }
            ring.armWakeup();
            if (ring.mustPoll()) {
                ring.pollOnce();
                continue;
            }
            if (ring.hasCompletions()) {
                // More to reap already: submit without waiting (no syscall at all under an awake SQPOLL thread).
                ring.submit();
                continue;
            }
            while (!wakeState.compareAndSet(AWAKE, SLEEPING)) {
                Thread.onSpinWait(); // a submitter is writing the eventfd: one syscall, then it sets AWAKE
            }
            // Set SLEEPING, then look at the queue; a submitter offers, then looks at the state: one sees the other.
            if (!queue.isEmpty()) {
                wakeState.compareAndSet(SLEEPING, AWAKE);
                ring.submit();
                continue;
            }
            try {
                ring.block(shuttingDown ? Math.max(0, Math.min(SHUTDOWN_SLICE_NANOS, deadline - System.nanoTime()))
                        : -1);
            } finally {
                wakeState.compareAndSet(SLEEPING, AWAKE);
            }
        }
    }

    /** Starts the queued ops; a bounded batch per turn, so completions keep being reaped under a flood. */
    private void takeQueued() {
        FileOp op;
        for (int i = 0; i < 4096 && (op = queue.poll()) != null; i++) {
            ring.start(op);
        }
    }

    private void terminate(Throwable failure) {
        for (;;) {
            int state = wakeState.get();
            if (state != SIGNALLING && wakeState.compareAndSet(state, CLOSED)) {
                break;
            }
            Thread.onSpinWait();
        }
        stopped = true;
        FileOp op;
        while ((op = queue.poll()) != null) {
            reject(op);
        }
        ring.abandon(failure);
        ring.close();
        wakeup.close();
        if (failure == null) {
            terminated.complete(null);
        } else {
            terminated.completeExceptionally(failure);
        }
    }

    /**
     * Closes every open file and stops the driver, waiting for it up to the close timeout (not when called on the
     * driver thread, which stops once the calling callback returns). Idempotent.
     */
    @Override
    public void close() {
        closing = true;
        wakeUp();
        if (inDriverThread()) {
            return;
        }
        try {
            terminated.get(closeTimeoutNanos + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // A ring failure was reported through terminationFuture(); a hung device is past our bound.
        }
    }

    @Override
    public String toString() {
        return "UringFileDriver[" + thread.getName() + (ioPoll ? ", iopoll" : "") + (sqPoll ? ", sqpoll" : "")
                + (stopped ? ", closed" : closing ? ", closing" : "") + "]";
    }

    /** Configures and starts a {@link UringFileDriver}. */
    public static final class Builder {
        private RingConfig ring = RingConfig.builder().entries(256).build();
        private int bufferCount;
        private int bufferSize;
        private int fixedFiles;
        private String threadName;
        private Duration closeTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * The main ring's setup (default: 256 entries, plain). Its CQ size bounds the ops in flight (the rest queue
         * in the driver). {@link RingConfig.Builder#ioPoll(boolean)} and {@link RingConfig.Builder#sqPoll(boolean)}
         * apply to reads and writes.
         */
        public Builder ring(RingConfig config) {
            this.ring = config;
            return this;
        }

        /**
         * A pool of {@code count} registered buffers of {@code size} bytes (rounded up to whole pages) for
         * READ_FIXED / WRITE_FIXED; see {@link RegisteredBuffers}. Default: none.
         */
        public Builder registeredBuffers(int count, int size) {
            if (count < 1 || size < 1) {
                throw new IllegalArgumentException("count and size must be positive: " + count + ", " + size);
            }
            this.bufferCount = count;
            this.bufferSize = size;
            return this;
        }

        /**
         * A table of {@code slots} registered files: each file opened takes a free slot, and its reads and writes
         * name the slot instead of the fd (saving the kernel's fd lookup and reference per op). Default: 0, none.
         */
        public Builder fixedFiles(int slots) {
            if (slots < 0) {
                throw new IllegalArgumentException("slots must not be negative: " + slots);
            }
            this.fixedFiles = slots;
            return this;
        }

        /** The driver thread's name (default {@code iouring4j-file-driver-N}). */
        public Builder threadName(String name) {
            this.threadName = name;
            return this;
        }

        /** How long {@link UringFileDriver#close()} waits for ops in flight before giving up on them (10 s). */
        public Builder closeTimeout(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("timeout must not be negative: " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /**
         * Starts the driver thread and sets up its ring.
         *
         * @throws IOException a {@link NativeIoException} when the ring, its registrations or the eventfd could not
         *                     be set up
         */
        public UringFileDriver start() throws IOException {
            return new UringFileDriver(this);
        }
    }
}
