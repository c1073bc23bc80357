package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.iouring4j.ring.internal.Syscalls;

/**
 * One io_uring instance: the ring fd, its three shared-memory mappings, and the queues over them.
 *
 * <p>Open with {@link #open(RingConfig)}; queue work through {@link #submissionQueue()}; hand it to the kernel
 * with {@link #submit()} or {@link #submitAndWait(int)}; read results from {@link #completionQueue()}.
 * Registration ({@code io_uring_register(2)}) lives in {@link RingRegistrar}, reached by {@link #registrar()}.
 *
 * <p>A ring is single-issuer: one thread at a time submits and reaps. {@link #close()} is safe to call more
 * than once; it unmaps the rings and closes the fd exactly once.
 */
public final class Ring implements AutoCloseable {
    private final int fd;
    private final int setupFlags;
    private final int features;
    private final NativeMemory sqRing;
    private final NativeMemory cqRing;
    private final NativeMemory sqes;
    private final SubmissionQueue sq;
    private final CompletionQueue cq;
    /** Scratch for the EXT_ARG wait argument and its timespec, reused by every timed wait (no allocation). */
    private final NativeMemory waitArg;
    private final RingRegistrar registrar;
    /** The fd passed to io_uring_enter: the registered ring index when registered, else the ring fd. */
    private int enterFd;
    /** IORING_ENTER_REGISTERED_RING when {@link #enterFd} is a registered index. */
    private int enterFlags;
    /** The thread whose registered-ring table holds {@link #enterFd}; only it can unregister that slot. */
    private Thread ringFdOwner;
    private boolean closed;
    /** Calls of io_uring_enter and SQEs they consumed: plain counters, written by the issuer thread only. */
    private long enterCount;
    private long submittedCount;

    private Ring(int fd, int setupFlags, int features, NativeMemory sqRing, NativeMemory cqRing,
                 NativeMemory sqes, NativeMemory params) {
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.features = features;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.enterFd = fd;
        this.sq = new SubmissionQueue(this, sqRing, sqes, params);
        this.cq = new CompletionQueue(this, cqRing, sqRing, params);
        this.waitArg = NativeMemory.allocate(Abi.GeteventsArg.SIZE + Abi.Timespec.SIZE);
        this.registrar = new RingRegistrar(this);
    }

    /**
     * Sets up a ring as {@code config} asks.
     *
     * @throws NativeIoException naming {@code io_uring_setup} and the errno, with a hint a user can act on
     *                           (EPERM: sysctl or seccomp; ENOMEM: memlock; EINVAL: flags or sizes)
     */
    public static Ring open(RingConfig config) throws NativeIoException {
        int flags = config.setupFlags();
        try (NativeMemory params = NativeMemory.allocate(Abi.Params.SIZE)) {
            params.putInt(Abi.Params.FLAGS, flags);
            params.putInt(Abi.Params.CQ_ENTRIES, config.cqEntries());
            params.putInt(Abi.Params.SQ_THREAD_IDLE, config.sqThreadIdleMillis());
            params.putInt(Abi.Params.SQ_THREAD_CPU, Math.max(config.sqThreadCpu(), 0));
            int fd = Syscalls.ioUringSetup(config.entries(), params.address());
            if (fd < 0) {
                throw new NativeIoException("io_uring_setup", fd, SetupHints.forSetup(-fd, config));
            }
            Ring ring = map(fd, flags, params);
            if (config.registerRingFd()) {
                ring.registerRingFd();
            }
            return ring;
        }
    }

    /** Maps the SQ ring, CQ ring and SQE array of a freshly set-up ring; on failure leaves nothing behind. */
    private static Ring map(int fd, int flags, NativeMemory params) throws NativeIoException {
        int sqEntries = params.getInt(Abi.Params.SQ_ENTRIES);
        int cqEntries = params.getInt(Abi.Params.CQ_ENTRIES);
        int features = params.getInt(Abi.Params.FEATURES);
        int sqRingSize = params.getInt(Abi.Params.SQ_OFF + Abi.SqRingOffsets.ARRAY) + sqEntries * Integer.BYTES;
        int cqRingSize = params.getInt(Abi.Params.CQ_OFF + Abi.CqRingOffsets.CQES) + cqEntries * Abi.Cqe.SIZE;
        boolean singleMmap = (features & IoUring.IORING_FEAT_SINGLE_MMAP) != 0;
        NativeMemory sqRing = null;
        NativeMemory cqRing = null;
        NativeMemory sqes = null;
        try {
            if (singleMmap) {
                // One mapping serves both rings: the kernel lays them out in one region.
                sqRing = NativeMemory.mapRing(fd, Abi.IORING_OFF_SQ_RING, Math.max(sqRingSize, cqRingSize));
                cqRing = sqRing;
            } else {
                sqRing = NativeMemory.mapRing(fd, Abi.IORING_OFF_SQ_RING, sqRingSize);
                cqRing = NativeMemory.mapRing(fd, Abi.IORING_OFF_CQ_RING, cqRingSize);
            }
            sqes = NativeMemory.mapRing(fd, Abi.IORING_OFF_SQES, sqEntries * Abi.Sqe.SIZE);
            return new Ring(fd, flags, features, sqRing, cqRing, sqes, params);
        } catch (NativeIoException | RuntimeException | Error e) {
            closeQuietly(sqes);
            if (cqRing != sqRing) {
                closeQuietly(cqRing);
            }
            closeQuietly(sqRing);
            Syscalls.close(fd);
            throw e;
        }
    }

    private static void closeQuietly(NativeMemory memory) {
        if (memory != null) {
            memory.close();
        }
    }

    /**
     * Registers the ring fd with itself so that each enter skips the fd table lookup (Linux 5.18+). A
     * registered ring fd belongs to the <em>calling thread</em>: call this from the thread that will submit
     * (as {@link #open} does when {@link RingConfig#registerRingFd()} is set). On kernels without the feature
     * this does nothing and enters keep using the plain fd.
     */
    public void registerRingFd() {
        checkOpen();
        if (isRingFdRegistered()) {
            return;
        }
        try (NativeMemory update = NativeMemory.allocate(Abi.RsrcUpdate.SIZE)) {
            update.putInt(Abi.RsrcUpdate.OFFSET, -1); // let the kernel pick a slot
            update.putLong(Abi.RsrcUpdate.DATA, fd);
            int ret = Syscalls.ioUringRegister(fd, Abi.Register.REGISTER_RING_FDS, update.address(), 1);
            if (ret == 1) {
                enterFd = update.getInt(Abi.RsrcUpdate.OFFSET);
                enterFlags = IoUring.IORING_ENTER_REGISTERED_RING;
                ringFdOwner = Thread.currentThread();
            }
            // Older kernels answer EINVAL: entering by plain fd works the same, only slightly slower.
        }
    }

    /** The ring fd. */
    public int fd() {
        return fd;
    }

    /** The {@code IORING_SETUP_*} flags the ring was created with. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The {@code IORING_FEAT_*} bits the kernel reported at setup. */
    public int features() {
        return features;
    }

    /** Whether the kernel reported the {@code IORING_FEAT_*} bit {@code feature}. */
    public boolean hasFeature(int feature) {
        return (features & feature) == feature;
    }

    /** Whether the ring was set up with the {@code IORING_SETUP_*} flag {@code flag}. */
    public boolean hasSetupFlag(int flag) {
        return (setupFlags & flag) == flag;
    }

    /** Whether {@code io_uring_enter} uses the registered ring index instead of the fd. */
    public boolean isRingFdRegistered() {
        return (enterFlags & IoUring.IORING_ENTER_REGISTERED_RING) != 0;
    }

    public SubmissionQueue submissionQueue() {
        return sq;
    }

    public CompletionQueue completionQueue() {
        return cq;
    }

    /** Registration of files, buffers, eventfds and buffer rings with this ring. */
    public RingRegistrar registrar() {
        return registrar;
    }

    /**
     * Submits every queued SQE without waiting. Under SQPOLL this makes no syscall unless the poller sleeps.
     *
     * @return the number of SQEs handed to the kernel
     */
    public int submit() throws NativeIoException {
        return submit(0, -1);
    }

    /**
     * Submits every queued SQE and waits until at least {@code waitNr} completions are ready. On an IOPOLL ring
     * (without SQPOLL) the wait polls the device, busy: prefer {@link #submitAndWait(int, long)} there, since
     * waiting for more completions than are in flight never ends.
     *
     * @return the number of SQEs handed to the kernel
     */
    public int submitAndWait(int waitNr) throws NativeIoException {
        return submit(waitNr, -1);
    }

    /**
     * Submits every queued SQE and waits until at least {@code waitNr} completions are ready or
     * {@code timeoutNanos} passed, whichever is first. Uses {@code IORING_ENTER_EXT_ARG} (Linux 5.11+), so
     * the timeout costs no SQE and no CQE. A timeout is not an error.
     *
     * @return the number of SQEs handed to the kernel
     */
    public int submitAndWait(int waitNr, long timeoutNanos) throws NativeIoException {
        if (timeoutNanos < 0) {
            throw new IllegalArgumentException("timeoutNanos must not be negative: " + timeoutNanos);
        }
        return submit(waitNr, timeoutNanos);
    }

    private int submit(int waitNr, long timeoutNanos) throws NativeIoException {
        checkOpen(); // before publishing the tail, which would touch the unmapped SQ ring
        if (waitNr > 0 && reapsByPolling()) {
            return submitAndPoll(waitNr, timeoutNanos);
        }
        int toSubmit = sq.publishTail();
        int flags = 0;
        if (hasSetupFlag(IoUring.IORING_SETUP_SQPOLL)) {
            // The poller consumes the SQ by itself; a syscall is needed only to wake it or to wait.
            if (sq.pollerNeedsWakeup()) {
                flags |= IoUring.IORING_ENTER_SQ_WAKEUP;
            } else if (waitNr == 0 && !cq.needsFlush()) {
                return toSubmit;
            }
        } else if (toSubmit == 0 && waitNr == 0 && !cq.needsFlush()) {
            return 0;
        }
        if (waitNr > 0 || cq.needsFlush()) {
            flags |= IoUring.IORING_ENTER_GETEVENTS;
        }
        if (timeoutNanos >= 0) {
            flags |= IoUring.IORING_ENTER_EXT_ARG;
            waitArg.putLong(Abi.GeteventsArg.SIGMASK, 0);
            waitArg.putInt(Abi.GeteventsArg.SIGMASK_SZ, 0);
            waitArg.putInt(Abi.GeteventsArg.MIN_WAIT_USEC, 0);
            int ts = Abi.GeteventsArg.SIZE;
            waitArg.putLong(ts + Abi.Timespec.SEC, timeoutNanos / 1_000_000_000L);
            waitArg.putLong(ts + Abi.Timespec.NSEC, timeoutNanos % 1_000_000_000L);
            waitArg.putLong(Abi.GeteventsArg.TS, waitArg.address(ts));
            return enter(toSubmit, waitNr, flags, waitArg.address(), Abi.GeteventsArg.SIZE);
        }
        return enter(toSubmit, waitNr, flags, 0, 0);
    }

    /**
     * Whether completions appear only when this thread polls for them: an IOPOLL ring without SQPOLL (with SQPOLL,
     * the SQ thread polls and an enter waits as usual).
     */
    private boolean reapsByPolling() {
        return (setupFlags & (IoUring.IORING_SETUP_IOPOLL | IoUring.IORING_SETUP_SQPOLL))
                == IoUring.IORING_SETUP_IOPOLL;
    }

    /**
     * Waiting on an IOPOLL ring. The kernel neither sleeps nor honours a timeout there: an enter with GETEVENTS
     * polls the device while polled requests are pending and returns as soon as none is (or the scheduler wants
     * the CPU), possibly with fewer completions than asked. So the wait is a loop of such enters, bounded by the
     * timeout when there is one. Without a timeout it ends only when the completions come: waiting for more
     * than is in flight spins for ever, as a blocking wait would block for ever.
     */
    private int submitAndPoll(int waitNr, long timeoutNanos) throws NativeIoException {
        int toSubmit = sq.publishTail();
        long deadline = System.nanoTime() + Math.max(timeoutNanos, 0);
        int submitted = enter(toSubmit, waitNr, IoUring.IORING_ENTER_GETEVENTS, 0, 0);
        for (int ready = cq.ready(); ready < waitNr; ready = cq.ready()) {
            if (timeoutNanos >= 0 && System.nanoTime() - deadline >= 0) {
                break;
            }
            Thread.onSpinWait();
            enter(0, waitNr - ready, IoUring.IORING_ENTER_GETEVENTS, 0, 0);
        }
        return submitted;
    }

    /**
     * Raw {@code io_uring_enter}. EINTR is retried (an interrupted wait submitted nothing, so retrying is
     * exact); ETIME, the end of an EXT_ARG timeout, returns 0.
     *
     * @return what the kernel returned: the number of SQEs consumed
     */
    public int enter(int toSubmit, int minComplete, int flags, long arg, long argSize) throws NativeIoException {
        checkOpen();
        for (;;) {
            int ret = Syscalls.ioUringEnter(enterFd, toSubmit, minComplete, flags | enterFlags, arg, argSize);
            enterCount++;
            if (ret >= 0) {
                submittedCount += ret;
                return ret;
            }
            if (ret == -Errno.EINTR) {
                continue;
            }
            if (ret == -Errno.ETIME) {
                return 0;
            }
            throw new NativeIoException("io_uring_enter", ret);
        }
    }

    /** Calls of {@code io_uring_enter} so far (including retries after EINTR). Read racily from other threads. */
    public long enterCount() {
        return enterCount;
    }

    /**
     * SQEs consumed by {@code io_uring_enter} so far. Under SQPOLL the poller consumes SQEs without an enter,
     * so this counts only those handed over by enters. Read racily from other threads.
     */
    public long submittedCount() {
        return submittedCount;
    }

    /** Enables a ring created with {@link RingConfig.Builder#disabled(boolean)}; call from the issuer thread. */
    public void enable() throws NativeIoException {
        registrar.register("IORING_REGISTER_ENABLE_RINGS", Abi.Register.REGISTER_ENABLE_RINGS, 0, 0);
    }

    /** The opcodes this ring's kernel supports. */
    public Probe probe() throws NativeIoException {
        return Probe.of(this);
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ring is closed");
        }
    }

    public boolean isOpen() {
        return !closed;
    }

    /**
     * Unmaps the rings and closes the ring fd; outstanding kernel work is cancelled by the kernel. Idempotent.
     * With a registered ring fd, call it from the thread that registered it: from any other thread the
     * registration, and with it the ring, lives on until that thread exits.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        unregisterRingFd();
        registrar.closeBufferRings();
        sqes.close();
        if (cqRing != sqRing) {
            cqRing.close();
        }
        sqRing.close();
        waitArg.close();
        Syscalls.close(fd);
    }

    /**
     * Gives back the slot taken by {@link #registerRingFd()}. The registration holds its own reference to the
     * ring: without this, closing the fd would keep the ring and its pending ops alive until the owner thread
     * exits, and each thread has only 16 slots. Another thread's table is not ours to touch; that slot is then
     * dropped by the kernel when the owner thread exits.
     */
    private void unregisterRingFd() {
        if (!isRingFdRegistered() || Thread.currentThread() != ringFdOwner) {
            return;
        }
        try (NativeMemory update = NativeMemory.allocate(Abi.RsrcUpdate.SIZE)) {
            update.putInt(Abi.RsrcUpdate.OFFSET, enterFd);
            // Failure can only mean the slot is already gone; nothing is left to release.
            Syscalls.ioUringRegister(fd, Abi.Register.UNREGISTER_RING_FDS, update.address(), 1);
        }
        enterFd = fd;
        enterFlags = 0;
        ringFdOwner = null;
    }

    @Override
    public String toString() {
        return "Ring[fd=" + fd + ", sq=" + sq.capacity() + ", cq=" + cq.capacity() + ", flags=0x"
                + Integer.toHexString(setupFlags) + ", features=0x" + Integer.toHexString(features)
                + (closed ? ", closed" : "") + "]";
    }
}
