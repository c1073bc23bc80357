package org.iouring4j.transport;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import org.iouring4j.ring.CompletionHandler;
import org.iouring4j.ring.CompletionQueue;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.EventFd;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.SubmissionQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The engine of an io_uring event loop: a Netty {@link IoHandler} that owns one {@link Ring}.
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(UringIoHandler.newFactory());
 * }</pre>
 *
 * <p>Each loop iteration ({@link #run}) makes at most one {@code io_uring_enter}: it submits every SQE
 * queued since the last iteration and, when the loop has nothing else to do, waits in the same call for a
 * completion, a wakeup, or the next scheduled task's deadline ({@code IORING_ENTER_EXT_ARG}, no timeout SQE).
 * When nothing is queued and no ring flag asks for a flush, it makes none. Completions are then dispatched
 * to their handles in a bounded batch so that tasks still get their turn.
 *
 * <p>Handles ({@link UringIoHandle}) submit ops through their {@link IoRegistration}; completions come back as
 * a {@link UringIoEvent}. A registration counts its outstanding completions and is released only when none
 * is left, so nothing a completion refers to is freed early.
 */
public final class UringIoHandler implements IoHandler {
    private static final Logger logger = LoggerFactory.getLogger(UringIoHandler.class);
    /** Registration id of the handler's own ops (the eventfd read, and its cancel at shutdown). */
    private static final int HANDLER_ID = 0;
    private static final int EVENTFD_READ = 1;
    private static final int CANCEL_AT_SHUTDOWN = 2;
    private static final long EVENTFD_READ_USER_DATA = UserData.encode(HANDLER_ID, Opcode.READ, EVENTFD_READ);
    /** At most one warning per this interval for a failure that repeats each iteration. */
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long DESTROY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final long DESTROY_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final ThreadLocal<UringIoHandler> CURRENT = new ThreadLocal<>();
    /** Room for 4096 iovecs: a full IOV_MAX gather (1024) four times over before a forced submit. */
    private static final int SCRATCH_BYTES = 64 * 1024;

    private final ThreadAwareExecutor executor;
    private final UringIoHandlerConfig config;
    private final Ring ring;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    private final Wakeup wakeup;
    /** Where the eventfd READ lands its 8-byte counter. */
    private final NativeMemory eventFdBuffer;
    /** Reused for every completion dispatched: no allocation per I/O. */
    private final UringIoEvent event = new UringIoEvent();
    private final CompletionHandler dispatcher = this::dispatch;
    /** iovecs and sockaddrs that SQEs point to until submission; reset whenever the SQ is drained. */
    private final SubmissionScratch scratch;
    /** Arguments of the synchronous socket syscalls made on this thread (options, addresses). */
    private final SyscallMemory syscallMemory;
    private final ThrottledWarning enterFailure = new ThrottledWarning(logger, "io_uring_enter failed",
            WARNING_INTERVAL_NANOS);
    private final ThrottledWarning wakeupReadFailure = new ThrottledWarning(logger,
            "The wakeup eventfd READ failed", WARNING_INTERVAL_NANOS);
    /** Work handles asked to do once the current batch of completions is dispatched (see {@link #afterDispatch}). */
    private final BatchEndTasks batchEndTasks = new BatchEndTasks(logger);
    /** The loop's provided-buffer ring, set up when the first channel asks for it; null before. */
    private ProvidedBuffers providedBuffers;
    /** Setting the ring up failed: channels read into their own buffers instead (tried once per loop). */
    private boolean providedBuffersRefused;
    private boolean eventFdReadArmed;

    /** Registrations by id; id 0 is the handler's own. Ids are recycled only once a registration is released. */
    private UringIoRegistration[] registrations = new UringIoRegistration[64];
    private int[] freeIds = new int[16];
    private int freeIdCount;
    private int nextId = HANDLER_ID + 1;
    private int registrationCount;
    /** Completions still to come for all registrations, and for the handler's own ops. */
    private long outstanding;
    private int ownOutstanding;
    private boolean initialized;
    private boolean preparedToDestroy;
    private boolean destroying;
    private boolean destroyed;
    private boolean overflowWarned;

    private long iterations;
    private long cqesReaped;
    private int largestBatch;
    /** Iterations that found completions waiting in the kernel's overflow list. */
    private long overflowPressure;
    /** Completions the kernel dropped (its {@code cq_overflow} counter), as last reported. */
    private long droppedReported;

    private UringIoHandler(ThreadAwareExecutor executor, UringIoHandlerConfig config) {
        this.executor = executor;
        this.config = config;
        this.ring = LoopRing.open(config);
        EventFd eventFd = null;
        NativeMemory buffer = null;
        SubmissionScratch submissionScratch = null;
        NativeMemory syscallArguments = null;
        try {
            eventFd = EventFd.create(); // blocking: see EventFd on why a queued READ needs that
            buffer = NativeMemory.allocate(Long.BYTES);
            submissionScratch = new SubmissionScratch(SCRATCH_BYTES);
            syscallArguments = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE);
        } catch (NativeIoException | RuntimeException | Error e) {
            for (AutoCloseable created : new AutoCloseable[] {eventFd, buffer, submissionScratch, ring}) {
                closeQuietly(created);
            }
            throw new IllegalStateException("failed to set up the io_uring event loop", e);
        }
        this.eventFdBuffer = buffer;
        this.scratch = submissionScratch;
        this.syscallMemory = SyscallMemory.forLoop(syscallArguments);
        this.wakeup = new Wakeup(eventFd);
        this.sq = ring.submissionQueue();
        this.cq = ring.completionQueue();
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            logger.debug("Failed to close {} after a setup failure", resource, e);
        }
    }

    /** A factory for {@link io.netty.channel.MultiThreadIoEventLoopGroup} with the default config. */
    public static IoHandlerFactory newFactory() {
        return newFactory(new UringIoHandlerConfig());
    }

    /**
     * A factory for {@link io.netty.channel.MultiThreadIoEventLoopGroup}.
     *
     * @throws IllegalArgumentException when a setting of {@code config} (or its system property) is out of range,
     *                                  or settings contradict each other: the message names them
     * @throws UnsatisfiedLinkError     when the transport cannot run here ({@link Uring#unavailabilityCause()})
     */
    public static IoHandlerFactory newFactory(UringIoHandlerConfig config) {
        UringIoHandlerConfig snapshot = config.copy();
        snapshot.validate();
        Uring.ensureAvailability();
        return executor -> new UringIoHandler(executor, snapshot);
    }

    /**
     * The handler driving the calling event-loop thread, or {@code null} off such a thread. From elsewhere:
     * {@code eventLoop.submit(UringIoHandler::current).get()}.
     */
    public static UringIoHandler current() {
        return CURRENT.get();
    }

    @Override
    public void initialize() {
        try {
            ring.enable();
        } catch (NativeIoException e) {
            throw new IllegalStateException("failed to enable the io_uring ring", e);
        }
        if (Uring.REGISTER_RING_FD) {
            ring.registerRingFd();
        }
        CURRENT.set(this);
        initialized = true;
        armEventFdRead();
    }

    /** Keeps one READ of the eventfd in the ring, so a {@link Wakeup} write completes it and ends a wait. */
    private void armEventFdRead() {
        sq.addRead(wakeup.fd(), eventFdBuffer.address(), Long.BYTES, 0, EVENTFD_READ_USER_DATA);
        ownOutstanding++;
        eventFdReadArmed = true;
    }

    @Override
    public int run(IoHandlerContext context) {
        iterations++;
        try {
            if (cq.ready() == 0 && context.canBlock()) {
                wakeup.arm();
                try {
                    // Re-check after arming: a task submitted before arm() found no sleeper to wake.
                    if (context.canBlock()) {
                        long timeoutNanos = context.delayNanos(System.nanoTime());
                        ring.submitAndWait(1, Math.max(0, timeoutNanos));
                    } else {
                        ring.submit();
                    }
                } finally {
                    wakeup.disarm();
                }
            } else {
                ring.submit();
            }
        } catch (NativeIoException | RuntimeException e) {
            enterFailure.warn(e, System.nanoTime());
        }
        resetScratchIfConsumed();
        int handled = drainCompletions(config.maxCompletionsPerRun());
        batchEndTasks.runAll();
        return handled;
    }

    /**
     * Runs {@code task} once the completions of the current batch have all been dispatched ({@link BatchEndTasks}).
     * Loop thread only.
     */
    void afterDispatch(Runnable task) {
        batchEndTasks.add(task);
    }

    /**
     * The loop's provided-buffer ring, set up on the first call (sized by the config); null when the kernel refused
     * it, in which case the caller reads into buffers of its own. Loop thread only.
     */
    ProvidedBuffers providedBuffers() {
        if (providedBuffers == null && !providedBuffersRefused && !destroying) {
            try {
                providedBuffers = ProvidedBuffers.open(ring, config.bufferRingEntries(),
                        // Netty's pooled allocator, not 4.2's default adaptive one: its slices come from a
                        // recycler, so an incremental ring's slice per receive allocates nothing (adaptive: 40 B).
                        config.bufferRingBufferSize(), Uring.BUFFER_RING_INCREMENTAL, PooledByteBufAllocator.DEFAULT);
            } catch (NativeIoException | RuntimeException e) {
                providedBuffersRefused = true;
                logger.warn("Could not set up a provided-buffer ring; MULTISHOT reads fall back to RECV", e);
            }
        }
        return providedBuffers;
    }

    private void resetScratchIfConsumed() {
        if (sq.pending() == 0) {
            scratch.reset();
        }
    }

    /**
     * Reserves {@code bytes} of native memory that stays valid until the ops queued now reach the kernel;
     * for iovec arrays and sockaddrs that SQEs point to. Loop thread only.
     *
     * @return the reservation's offset inside {@link #scratchMemory()}, or -1 when it cannot be had (more than
     *         the arena holds, or submitting the queued SQEs to free it failed): the caller fails that one op
     */
    int reserveScratch(int bytes) {
        int offset = scratch.reserve(bytes);
        if (offset >= 0 || bytes > scratch.capacity()) {
            return offset;
        }
        // The arena is full of data for queued SQEs: hand them to the kernel, which copies what they point to.
        try {
            do {
                ring.submit();
            } while (sq.pending() != 0); // only under SQPOLL can the kernel lag behind a submit
        } catch (NativeIoException | RuntimeException e) {
            enterFailure.warn(e, System.nanoTime());
            return -1;
        }
        scratch.reset();
        return scratch.reserve(bytes);
    }

    NativeMemory scratchMemory() {
        return scratch.memory();
    }

    SyscallMemory syscallMemory() {
        return syscallMemory;
    }

    private int drainCompletions(int max) {
        int handled = cq.drain(dispatcher, max);
        cqesReaped += handled;
        if (handled > largestBatch) {
            largestBatch = handled;
        }
        if (cq.isOverflowPending()) {
            overflowPressure++;
            if (!overflowWarned) {
                overflowWarned = true;
                logger.warn("The io_uring completion queue (size {}) overflowed: the kernel keeps the extra"
                        + " completions and the loop flushes them, but a larger cqSize (-Diouring4j.cqSize) avoids"
                        + " the extra work", cq.capacity());
            }
        }
        long dropped = cq.overflowCount();
        if (dropped > droppedReported) {
            // Only when the kernel could not even allocate room for an overflowed completion.
            logger.error("The kernel dropped {} io_uring completions (out of memory); affected channels may hang",
                    dropped - droppedReported);
            droppedReported = dropped;
        }
        return handled;
    }

    private void dispatch(long userData, int res, int flags) {
        int id = UserData.id(userData);
        int opcode = UserData.opcode(userData);
        int data = UserData.data(userData);
        if (id == HANDLER_ID) {
            ownCompletion(data, res);
            return;
        }
        UringIoRegistration registration = id > 0 && id < registrations.length ? registrations[id] : null;
        // A receive's provided buffer is taken out of the ring whoever gets it, so that its slot is refilled.
        event.set(res, flags, opcode, data, providedBuffers == null ? null : providedBuffers.take(flags, res));
        if (registration == null) {
            logger.warn("Completion for unknown registration {}: {} res={}", id, Opcode.name(opcode), res);
            event.releaseUntakenBuffer();
            return;
        }
        if ((flags & IoUring.IORING_CQE_F_MORE) == 0) {
            registration.outstanding--;
            outstanding--;
        }
        try {
            registration.handle.handle(registration, event);
        } catch (Throwable t) {
            logger.warn("{} failed to handle {}", registration.handle, event, t);
        }
        event.releaseUntakenBuffer();
        // Not if the handle cancelled its registration inside handle(): cancelled() released it already, and a
        // second release would free its id twice, giving it to two later registrations at once.
        if (!registration.isValid() && registration.outstanding == 0 && registrations[id] == registration) {
            release(registration);
        }
    }

    /**
     * The eventfd READ completes with the counter's 8 bytes when woken, or with -ECANCELED at shutdown. Anything
     * else is a fault of the wakeup path (warned, throttled) and the READ is re-armed: a blocking eventfd makes a
     * READ that fails at once (and so a busy loop) impossible, which a non-blocking one would not.
     */
    private void ownCompletion(int data, int res) {
        ownOutstanding--;
        if (data != EVENTFD_READ) {
            return; // a cancel submitted by the shutdown: ENOENT when its target had completed meanwhile
        }
        eventFdReadArmed = false;
        if (destroying) {
            return;
        }
        if (res != Long.BYTES) {
            wakeupReadFailure.warn(new NativeIoException("READ(eventfd)", res < 0 ? res : -Errno.EIO),
                    System.nanoTime());
        }
        armEventFdRead();
    }

    /** Queues the op into the ring (submitted with the loop's next enter). Loop thread only. */
    long submit(UringIoRegistration registration, UringIoOps ops) {
        if (!registration.isValid() || destroying) {
            return -1;
        }
        if ((ops.sqeFlags() & IoUring.IOSQE_CQE_SKIP_SUCCESS) != 0) {
            // Every SQE must yield a CQE, or outstanding-completion counting would never reach zero.
            throw new IllegalArgumentException("IOSQE_CQE_SKIP_SUCCESS is not supported: " + ops);
        }
        long userData = UserData.encode(registration.id, ops.opcode(), ops.data());
        int sqe = sq.add(ops.opcode(), ops.sqeFlags(), ops.ioPrio(), ops.fd(), ops.offset(), ops.address(),
                ops.length(), ops.opFlags(), userData);
        if (ops.bufIndex() != 0) {
            sq.setBufIndex(sqe, ops.bufIndex());
        }
        if (ops.spliceFdIn() != 0) {
            sq.setSpliceFdIn(sqe, ops.spliceFdIn());
        }
        registration.outstanding++;
        outstanding++;
        return userData;
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof UringIoHandle)) {
            throw new IllegalArgumentException("not a UringIoHandle: " + handle);
        }
        if (destroying) {
            throw new IllegalStateException("the event loop is shutting down");
        }
        int id = allocateId();
        UringIoRegistration registration = new UringIoRegistration(this, (UringIoHandle) handle, id);
        registrations[id] = registration;
        registrationCount++;
        handle.registered();
        return registration;
    }

    /** Called on the loop when a registration is cancelled: released now, or after its last completion. */
    void cancelled(UringIoRegistration registration) {
        if (registration.outstanding == 0 && registrations[registration.id] == registration) {
            release(registration);
        }
    }

    private void release(UringIoRegistration registration) {
        registrations[registration.id] = null;
        registrationCount--;
        if (freeIdCount == freeIds.length) {
            freeIds = Arrays.copyOf(freeIds, freeIds.length * 2);
        }
        freeIds[freeIdCount++] = registration.id;
        try {
            registration.handle.unregistered();
        } catch (Throwable t) {
            logger.warn("{} failed in unregistered()", registration.handle, t);
        }
    }

    private int allocateId() {
        if (freeIdCount > 0) {
            return freeIds[--freeIdCount];
        }
        int id = nextId++;
        if (id >= registrations.length) {
            registrations = Arrays.copyOf(registrations, registrations.length * 2);
        }
        return id;
    }

    @Override
    public void wakeup() {
        // The loop never needs waking by itself: it re-checks for tasks before it blocks.
        if (!executor.isExecutorThread(Thread.currentThread())) {
            wakeup.wakeup();
        }
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return UringIoHandle.class.isAssignableFrom(handleType);
    }

    /** Closes every registered handle (called repeatedly while the loop shuts down). */
    @Override
    public void prepareToDestroy() {
        preparedToDestroy = true;
        closeHandles(false);
    }

    private void closeHandles(boolean foreignOnly) {
        for (UringIoRegistration registration : registrations.clone()) {
            if (registration != null && registration.isValid()
                    && !(foreignOnly && registration.handle instanceof AbstractUringChannel.AbstractUringUnsafe)) {
                try {
                    registration.handle.close();
                } catch (Exception e) {
                    logger.warn("Failed to close {}", registration.handle, e);
                }
            }
        }
    }

    /**
     * Cancels what is left in the kernel, waits (at most 5 s) for every op to complete so that handles can
     * release their buffers, then closes the eventfd and the ring. Handles closed by {@link #prepareToDestroy()}
     * (or here, if Netty skipped it) cancelled their own ops; with {@code IORING_ASYNC_CANCEL_ANY} the loop cancels
     * whatever is left, else each op it knows of by its user data: its eventfd READ and the channels' ops.
     */
    @Override
    public void destroy() {
        if (destroyed) {
            return;
        }
        if (!preparedToDestroy && initialized) {
            // Netty skips prepareToDestroy() when the shutdown begins after the loop's last I/O pass. Handles of
            // other code cancel their ops in close(), which must run while they may still submit; the channels'
            // ops are cancelled below without a Netty close, whose follow-up tasks could no longer run.
            closeHandles(true);
        }
        destroying = true;
        try {
            if (initialized) {
                cancelEverything();
            }
        } finally {
            destroyed = true;
            for (UringIoRegistration registration : registrations.clone()) {
                if (registration != null) {
                    release(registration);
                }
            }
            wakeup.close();
            eventFdBuffer.close();
            scratch.close();
            syscallMemory.get().close();
            ring.close();
            if (providedBuffers != null) {
                providedBuffers.close(); // after the ring: no receive can pick a buffer any more
            }
            CURRENT.remove();
        }
    }

    private void cancelEverything() {
        if (outstanding + ownOutstanding == 0) {
            return;
        }
        if (Uring.CANCEL_ANY) {
            addShutdownCancel(0, IoUring.IORING_ASYNC_CANCEL_ANY);
        } else {
            // One cancel per op, by user data: the eventfd READ, and what channels not yet closed have in flight
            // (Netty may destroy the loop without a prepareToDestroy() first). A foreign handle's ops stay, and so
            // do zero-copy notifications: nothing cancels them, the peer taking or dropping the data ends them.
            if (eventFdReadArmed) {
                addShutdownCancel(EVENTFD_READ_USER_DATA, 0);
            }
            for (UringIoRegistration registration : registrations) {
                if (registration != null && registration.handle instanceof AbstractUringChannel.AbstractUringUnsafe) {
                    InFlightOps ops = ((AbstractUringChannel.AbstractUringUnsafe) registration.handle).inFlight();
                    for (int i = 0; i < ops.cancellableCount(); i++) {
                        addShutdownCancel(ops.userDataAt(i), 0);
                    }
                }
            }
        }
        long deadline = System.nanoTime() + DESTROY_TIMEOUT_NANOS;
        while (outstanding + ownOutstanding > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                // Buffers pinned by zero-copy sends whose notification never came stay unreleased: the kernel may
                // still read them.
                logger.warn("{} io_uring ops still outstanding after shutdown's cancel (e.g. zero-copy sends to a peer"
                        + " that reads nothing); closing the ring anyway", outstanding + ownOutstanding);
                return;
            }
            try {
                ring.submitAndWait(1, Math.min(left, DESTROY_POLL_NANOS));
            } catch (NativeIoException e) {
                logger.warn("io_uring_enter failed during shutdown", e);
                return;
            }
            drainCompletions(Integer.MAX_VALUE);
        }
    }

    private void addShutdownCancel(long target, int cancelFlags) {
        sq.addCancel(target, cancelFlags, UserData.encode(HANDLER_ID, Opcode.ASYNC_CANCEL, CANCEL_AT_SHUTDOWN));
        ownOutstanding++;
    }

    boolean inEventLoop() {
        return executor.isExecutorThread(Thread.currentThread());
    }

    void execute(Runnable task) {
        executor.execute(task);
    }

    /** The {@code IORING_SETUP_*} flags this handler's ring was created with (what the kernel accepted). */
    public int enabledSetupFlags() {
        return ring.setupFlags();
    }

    /** The {@code IORING_FEAT_*} bits of this handler's kernel. */
    public int ringFeatures() {
        return ring.features();
    }

    /** Whether the loop enters its ring by registered index ({@code IORING_REGISTER_RING_FDS}). */
    public boolean isRingFdRegistered() {
        return ring.isOpen() && ring.isRingFdRegistered();
    }

    /** Handles currently registered (including cancelled ones still waiting for completions). */
    public int registrationCount() {
        return registrationCount;
    }

    /** A snapshot of the loop's counters. Exact on the loop thread, approximate elsewhere. */
    public UringIoHandlerMetrics metrics() {
        return new UringIoHandlerMetrics(iterations, ring.enterCount(), ring.submittedCount(), cqesReaped,
                largestBatch, overflowPressure, droppedReported);
    }

    @Override
    public String toString() {
        return "UringIoHandler[" + ring + ", registrations=" + registrationCount + "]";
    }
}
