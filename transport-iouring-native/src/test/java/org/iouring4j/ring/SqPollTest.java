package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SQPOLL: a kernel thread consumes the SQ, so {@link Ring#submit()} publishes the tail without a syscall while
 * the poller is awake, and wakes it ({@code IORING_ENTER_SQ_WAKEUP}) once it went to sleep.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class SqPollTest {
    private static final int IDLE_MILLIS = 50;
    private static final int BATCH = 8;

    private static Ring openSqPollRing() throws NativeIoException {
        return Ring.open(RingConfig.builder().entries(32).sqPoll(true).sqThreadIdleMillis(IDLE_MILLIS).build());
    }

    /**
     * Spins (yielding the CPU between looks) until {@code condition} holds. There is no completion to wait on
     * for "the poller went to sleep", and CQEs posted by the poller are reaped here without any enter, which
     * is exactly what SQPOLL promises.
     */
    private static void spinUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.yield();
        }
    }

    /** Queues {@link #BATCH} NOPs from {@code firstUserData}, submits, and reaps them by polling the CQ only. */
    private static void submitBatchAndPoll(Ring ring, long firstUserData) throws NativeIoException {
        for (int i = 0; i < BATCH; i++) {
            ring.submissionQueue().addNop(firstUserData + i);
        }
        ring.submit();
        CompletionQueue cq = ring.completionQueue();
        spinUntil(BATCH + " completions are ready", () -> cq.ready() >= BATCH);
        BitSet seen = new BitSet();
        assertEquals(BATCH, cq.drain((userData, res, flags) -> {
            assertEquals(0, res);
            seen.set((int) (userData - firstUserData));
        }));
        assertEquals(BATCH, seen.cardinality());
        assertEquals(0, ring.submissionQueue().dropped());
    }

    @Test
    void nopsCompleteWithoutWaitingInTheKernel() throws Exception {
        try (Ring ring = openSqPollRing()) {
            assertTrue(ring.hasSetupFlag(IoUring.IORING_SETUP_SQPOLL));
            submitBatchAndPoll(ring, 0);
        }
    }

    @Test
    void sleepingPollerIsWokenBySubmit() throws Exception {
        try (Ring ring = openSqPollRing()) {
            submitBatchAndPoll(ring, 0);
            SubmissionQueue sq = ring.submissionQueue();
            spinUntil("the idle poller asks for a wakeup", sq::pollerNeedsWakeup);

            submitBatchAndPoll(ring, 100);
            assertEquals(0, sq.pending(), "woken poller left SQEs unconsumed");
        }
    }
}
