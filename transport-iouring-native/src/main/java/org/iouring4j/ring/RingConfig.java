package org.iouring4j.ring;

/**
 * How a {@link Ring} is set up: queue sizes and {@code io_uring_setup(2)} flags. Immutable; build one with
 * {@link #builder()}.
 *
 * <p>Defaults: 256 SQ entries, the kernel's default CQ size (2× SQ), no optional flags, and the ring fd
 * registered with the ring itself when the kernel supports it (saves an fd lookup per enter).
 */
public final class RingConfig {
    private final int entries;
    private final int cqEntries;
    private final int flags;
    private final int sqThreadIdleMillis;
    private final int sqThreadCpu;
    private final boolean registerRingFd;

    private RingConfig(Builder b) {
        this.entries = b.entries;
        this.cqEntries = b.cqEntries;
        this.flags = b.flags;
        this.sqThreadIdleMillis = b.sqThreadIdleMillis;
        this.sqThreadCpu = b.sqThreadCpu;
        this.registerRingFd = b.registerRingFd;
    }

    /** A builder with the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults described above. */
    public static RingConfig defaults() {
        return builder().build();
    }

    /** Requested SQ entries (the kernel rounds up to a power of two). */
    public int entries() {
        return entries;
    }

    /** Requested CQ entries, or 0 for the kernel's default of twice the SQ size. */
    public int cqEntries() {
        return cqEntries;
    }

    /** The {@code IORING_SETUP_*} flags this config passes to {@code io_uring_setup}. */
    public int setupFlags() {
        int f = flags;
        if (cqEntries > 0) {
            f |= IoUring.IORING_SETUP_CQSIZE;
        }
        if (sqThreadCpu >= 0) {
            f |= IoUring.IORING_SETUP_SQ_AFF;
        }
        return f;
    }

    /** Idle time before the SQPOLL thread sleeps, in milliseconds (0 = kernel default). */
    public int sqThreadIdleMillis() {
        return sqThreadIdleMillis;
    }

    /** The CPU the SQPOLL thread is pinned to, or -1 for none. */
    public int sqThreadCpu() {
        return sqThreadCpu;
    }

    /** Whether to register the ring fd with the ring ({@code IORING_REGISTER_RING_FDS}) when supported. */
    public boolean registerRingFd() {
        return registerRingFd;
    }

    @Override
    public String toString() {
        return "RingConfig[entries=" + entries + ", cqEntries=" + cqEntries + ", flags=0x"
                + Integer.toHexString(setupFlags()) + ", sqThreadIdleMillis=" + sqThreadIdleMillis
                + ", sqThreadCpu=" + sqThreadCpu + ", registerRingFd=" + registerRingFd + "]";
    }

    /** Builds a {@link RingConfig}. */
    public static final class Builder {
        private int entries = 256;
        private int cqEntries;
        private int flags;
        private int sqThreadIdleMillis;
        private int sqThreadCpu = -1;
        private boolean registerRingFd = true;

        private Builder() {
        }

        /** SQ entries, 1 to 32768 (rounded up to a power of two by the kernel). */
        public Builder entries(int entries) {
            if (entries < 1) {
                throw new IllegalArgumentException("entries must be positive: " + entries);
            }
            this.entries = entries;
            return this;
        }

        /** CQ entries ({@code IORING_SETUP_CQSIZE}); must be at least the SQ size. 0 restores the default. */
        public Builder cqEntries(int cqEntries) {
            if (cqEntries < 0) {
                throw new IllegalArgumentException("cqEntries must not be negative: " + cqEntries);
            }
            this.cqEntries = cqEntries;
            return this;
        }

        private Builder flag(int flag, boolean on) {
            flags = on ? flags | flag : flags & ~flag;
            return this;
        }

        /** {@code IORING_SETUP_CLAMP}: clamp oversized entry counts instead of failing with EINVAL. */
        public Builder clamp(boolean on) {
            return flag(IoUring.IORING_SETUP_CLAMP, on);
        }

        /** {@code IORING_SETUP_SUBMIT_ALL}: keep submitting a batch past an SQE that fails. */
        public Builder submitAll(boolean on) {
            return flag(IoUring.IORING_SETUP_SUBMIT_ALL, on);
        }

        /** {@code IORING_SETUP_SINGLE_ISSUER}: promise that one thread submits (the creator, or the enabler). */
        public Builder singleIssuer(boolean on) {
            return flag(IoUring.IORING_SETUP_SINGLE_ISSUER, on);
        }

        /**
         * {@code IORING_SETUP_DEFER_TASKRUN} (requires single issuer, which this turns on too): completion work
         * runs only when the issuer enters with GETEVENTS. Turning it on also sets {@code TASKRUN_FLAG}, so
         * {@link CompletionQueue#needsFlush()} can tell when such an enter is due.
         */
        public Builder deferTaskrun(boolean on) {
            flag(IoUring.IORING_SETUP_DEFER_TASKRUN, on);
            if (on) {
                flag(IoUring.IORING_SETUP_SINGLE_ISSUER, true);
                flag(IoUring.IORING_SETUP_TASKRUN_FLAG, true);
            }
            return this;
        }

        /** {@code IORING_SETUP_COOP_TASKRUN}: no IPI to the issuer for task work; it runs on the next enter. */
        public Builder coopTaskrun(boolean on) {
            return flag(IoUring.IORING_SETUP_COOP_TASKRUN, on);
        }

        /** {@code IORING_SETUP_TASKRUN_FLAG}: the kernel sets {@code IORING_SQ_TASKRUN} when task work waits. */
        public Builder taskrunFlag(boolean on) {
            return flag(IoUring.IORING_SETUP_TASKRUN_FLAG, on);
        }

        /** {@code IORING_SETUP_R_DISABLED}: start disabled; {@link Ring#enable()} enables it. */
        public Builder disabled(boolean on) {
            return flag(IoUring.IORING_SETUP_R_DISABLED, on);
        }

        /** {@code IORING_SETUP_SQPOLL}: a kernel thread polls the SQ, so submission needs no syscall. */
        public Builder sqPoll(boolean on) {
            return flag(IoUring.IORING_SETUP_SQPOLL, on);
        }

        /**
         * {@code IORING_SETUP_IOPOLL}: completions are found by polling the device, not posted by its interrupt.
         * Only for {@code O_DIRECT} reads and writes of files on a file system and block device that support
         * polled I/O (e.g. NVMe with {@code poll_queues}); the kernel fails anything else with
         * {@code EOPNOTSUPP} or {@code EINVAL}, sockets and pipes included. Nothing posts a completion by itself:
         * {@link Ring#submitAndWait} polls (enters with {@code IORING_ENTER_GETEVENTS}) until it is there, burning
         * CPU while it waits. With {@link #sqPoll(boolean)} the SQPOLL thread polls instead.
         */
        public Builder ioPoll(boolean on) {
            return flag(IoUring.IORING_SETUP_IOPOLL, on);
        }

        /** How long the SQPOLL thread spins without work before it sleeps (0 = kernel default, 1 s). */
        public Builder sqThreadIdleMillis(int millis) {
            if (millis < 0) {
                throw new IllegalArgumentException("sqThreadIdleMillis must not be negative: " + millis);
            }
            this.sqThreadIdleMillis = millis;
            return this;
        }

        /** Pin the SQPOLL thread to a CPU ({@code IORING_SETUP_SQ_AFF}); -1 for no pinning. */
        public Builder sqThreadCpu(int cpu) {
            if (cpu < -1) {
                throw new IllegalArgumentException("sqThreadCpu must be a CPU number or -1: " + cpu);
            }
            this.sqThreadCpu = cpu;
            return this;
        }

        /**
         * Register the ring fd with the ring itself when the kernel supports it (default on). The registration
         * belongs to the thread that opens the ring; turn this off when another thread will submit, and call
         * {@link Ring#registerRingFd()} from that thread instead.
         */
        public Builder registerRingFd(boolean on) {
            this.registerRingFd = on;
            return this;
        }

        /** Any other {@code IORING_SETUP_*} flags, passed through as they are. */
        public Builder extraFlags(int setupFlags) {
            this.flags |= setupFlags;
            return this;
        }

        /**
         * The config. Refuses settings that name a thread the ring would not have: an SQ thread CPU or idle time
         * without {@link #sqPoll(boolean)} (the kernel refuses the first with EINVAL and ignores the second).
         * {@link #ioPoll(boolean)} combines with every other flag (SQPOLL then polls for completions too).
         *
         * @throws IllegalArgumentException for such a combination, naming it
         */
        public RingConfig build() {
            if ((flags & IoUring.IORING_SETUP_SQPOLL) == 0) {
                if (sqThreadCpu >= 0) {
                    throw new IllegalArgumentException("sqThreadCpu=" + sqThreadCpu
                            + " needs sqPoll: only the SQPOLL thread can be pinned to a CPU");
                }
                if (sqThreadIdleMillis > 0) {
                    throw new IllegalArgumentException("sqThreadIdleMillis=" + sqThreadIdleMillis
                            + " needs sqPoll: without it there is no SQ thread to go idle");
                }
            }
            return new RingConfig(this);
        }
    }
}
