package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.BitSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A CQ far too small for the work queued: with {@code IORING_FEAT_NODROP} the kernel keeps the completions
 * that do not fit and hands them over once the CQ has room and an enter with GETEVENTS flushes them.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class CqOverflowTest {
    private static final int NOPS = 64;

    @Test
    void overflowedCompletionsAllArriveExactlyOnce() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().entries(4).cqEntries(4).build())) {
            assertTrue(ring.hasFeature(IoUring.IORING_FEAT_NODROP));
            assertEquals(4, ring.completionQueue().capacity());
            SubmissionQueue sq = ring.submissionQueue();
            CompletionQueue cq = ring.completionQueue();

            // Batches of one SQ's worth, submitted without draining: everything past the 4th CQE overflows.
            for (int i = 0; i < NOPS; i += sq.capacity()) {
                for (int j = i; j < i + sq.capacity(); j++) {
                    sq.addNop(j);
                }
                ring.submit();
            }
            boolean overflowSeen = cq.isOverflowPending();
            assertTrue(overflowSeen, "64 completions into a 4-entry CQ must overflow");
            assertTrue(cq.needsFlush());

            BitSet seen = new BitSet(NOPS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            int reaped = 0;
            while (reaped < NOPS) {
                if (System.nanoTime() - deadline > 0) {
                    fail("only " + reaped + " of " + NOPS + " completions arrived: " + seen);
                }
                // Nothing left to submit: this enter exists to flush the overflow into the drained CQ.
                ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(50));
                reaped += cq.drain((userData, res, flags) -> {
                    assertEquals(0, res);
                    assertFalse(seen.get((int) userData), "completion seen twice: " + userData);
                    seen.set((int) userData);
                });
            }
            assertEquals(NOPS, seen.cardinality());
            assertFalse(cq.isOverflowPending(), "overflow flag left set after everything was reaped");
            assertEquals(0, cq.overflowCount(), "NODROP kept every overflowed CQE, so none counts as lost");
            assertEquals(0, cq.ready());
        }
    }
}
