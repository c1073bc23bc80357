package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;

/**
 * The completion side of a {@link Ring}: CQEs read as plain memory, in batches bounded by the caller. Each
 * batch makes one load-acquire of the kernel's tail and one store-release of our head, so the kernel may
 * reuse the slots only after we copied their contents out.
 */
public final class CompletionQueue {
    private final Ring ring;
    private final NativeMemory cqRing;
    private final NativeMemory sqRing;
    private final int kheadOffset;
    private final int ktailOffset;
    private final int koverflowOffset;
    private final int cqesOffset;
    private final int ksqFlagsOffset;
    private final int mask;
    private final int capacity;
    /** Our head: only this side writes it, so the local copy is always current. */
    private int head;

    CompletionQueue(Ring ring, NativeMemory cqRing, NativeMemory sqRing, NativeMemory params) {
        this.ring = ring;
        this.cqRing = cqRing;
        this.sqRing = sqRing;
        int off = Abi.Params.CQ_OFF;
        this.kheadOffset = params.getInt(off + Abi.CqRingOffsets.HEAD);
        this.ktailOffset = params.getInt(off + Abi.CqRingOffsets.TAIL);
        this.koverflowOffset = params.getInt(off + Abi.CqRingOffsets.OVERFLOW);
        this.cqesOffset = params.getInt(off + Abi.CqRingOffsets.CQES);
        this.mask = cqRing.getInt(params.getInt(off + Abi.CqRingOffsets.RING_MASK));
        this.capacity = cqRing.getInt(params.getInt(off + Abi.CqRingOffsets.RING_ENTRIES));
        this.ksqFlagsOffset = params.getInt(Abi.Params.SQ_OFF + Abi.SqRingOffsets.FLAGS);
        this.head = cqRing.getInt(kheadOffset);
    }

    /** Number of CQE slots. */
    public int capacity() {
        return capacity;
    }

    /** Completions ready to be drained now. */
    public int ready() {
        ring.checkOpen();
        return cqRing.getIntAcquire(ktailOffset) - head;
    }

    /**
     * Hands up to {@code max} ready completions to {@code handler}, in order, and frees their slots.
     * If the handler throws, the completions already handed over (including the one that threw) stay
     * consumed and the exception propagates; the rest stay in the queue.
     *
     * @return the number of completions handled
     */
    public int drain(CompletionHandler handler, int max) {
        ring.checkOpen(); // the CQ ring is unmapped once the ring is closed
        int first = head;
        int available = cqRing.getIntAcquire(ktailOffset) - first;
        int n = Math.min(available, max);
        if (n <= 0) {
            return 0;
        }
        int consumed = 0;
        try {
            while (consumed < n) {
                int cqe = cqesOffset + ((first + consumed) & mask) * Abi.Cqe.SIZE;
                long userData = cqRing.getLong(cqe + Abi.Cqe.USER_DATA);
                int res = cqRing.getInt(cqe + Abi.Cqe.RES);
                int flags = cqRing.getInt(cqe + Abi.Cqe.FLAGS);
                consumed++;
                handler.handle(userData, res, flags);
            }
        } finally {
            head = first + consumed;
            cqRing.setIntRelease(kheadOffset, head);
        }
        return consumed;
    }

    /** Drains every ready completion (up to one queue's worth). */
    public int drain(CompletionHandler handler) {
        return drain(handler, capacity);
    }

    /**
     * Whether completions wait outside the queue and need an enter with {@code IORING_ENTER_GETEVENTS} to
     * show up: overflowed CQEs kept by the kernel ({@code IORING_SQ_CQ_OVERFLOW}), or deferred task work
     * ({@code IORING_SQ_TASKRUN}).
     */
    public boolean needsFlush() {
        ring.checkOpen();
        return (sqRing.getIntOpaque(ksqFlagsOffset) & (IoUring.IORING_SQ_CQ_OVERFLOW | IoUring.IORING_SQ_TASKRUN)) != 0;
    }

    /** Whether the kernel currently holds overflowed completions that did not fit in the queue. */
    public boolean isOverflowPending() {
        ring.checkOpen();
        return (sqRing.getIntOpaque(ksqFlagsOffset) & IoUring.IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /**
     * The kernel's count of completions <em>lost</em>. With {@code IORING_FEAT_NODROP} a completion that does
     * not fit in the queue is kept and delivered later ({@link #isOverflowPending()}) without counting here;
     * it counts only those the kernel could not even allocate room for, so anything above 0 means lost CQEs.
     */
    public long overflowCount() {
        ring.checkOpen();
        return Integer.toUnsignedLong(cqRing.getIntOpaque(koverflowOffset));
    }
}
