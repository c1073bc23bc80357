package org.iouring4j.transport;

/**
 * A snapshot of one {@link UringIoHandler}'s counters since it started: how well submission and completion
 * batch. Take one with {@link UringIoHandler#metrics()}.
 */
public final class UringIoHandlerMetrics {
    private final long iterations;
    private final long enters;
    private final long sqesSubmitted;
    private final long cqesReaped;
    private final int largestBatch;
    private final long cqOverflows;
    private final long cqDropped;

    UringIoHandlerMetrics(long iterations, long enters, long sqesSubmitted, long cqesReaped, int largestBatch,
                          long cqOverflows, long cqDropped) {
        this.iterations = iterations;
        this.enters = enters;
        this.sqesSubmitted = sqesSubmitted;
        this.cqesReaped = cqesReaped;
        this.largestBatch = largestBatch;
        this.cqOverflows = cqOverflows;
        this.cqDropped = cqDropped;
    }

    /** Loop iterations ({@code IoHandler.run} calls). */
    public long iterations() {
        return iterations;
    }

    /** {@code io_uring_enter} calls. */
    public long enters() {
        return enters;
    }

    /** SQEs handed to the kernel by those enters. */
    public long sqesSubmitted() {
        return sqesSubmitted;
    }

    /** Completions handled. */
    public long cqesReaped() {
        return cqesReaped;
    }

    /** The most completions handled in one iteration. */
    public int largestBatch() {
        return largestBatch;
    }

    /**
     * Iterations that found the CQ overflowed: completions that did not fit were kept by the kernel and
     * flushed later (none lost), at some extra cost. Persistently above zero means the CQ is too small.
     */
    public long cqOverflows() {
        return cqOverflows;
    }

    /** Completions the kernel dropped because it could not even keep them (out of memory). Should stay 0. */
    public long cqDropped() {
        return cqDropped;
    }

    /** Average SQEs per enter: the batching factor on the submission side. */
    public double sqesPerEnter() {
        return enters == 0 ? 0 : (double) sqesSubmitted / enters;
    }

    @Override
    public String toString() {
        return String.format("iterations=%d enters=%d sqes=%d cqes=%d sqes/enter=%.2f largestBatch=%d cqOverflows=%d cqDropped=%d",
                iterations, enters, sqesSubmitted, cqesReaped, sqesPerEnter(), largestBatch, cqOverflows, cqDropped);
    }
}
