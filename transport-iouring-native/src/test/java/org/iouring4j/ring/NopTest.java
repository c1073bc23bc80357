package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class NopTest {
    /** Every NOP of a batch completes exactly once with res 0, including batches larger than the SQ. */
    @ParameterizedTest
    @ValueSource(ints = {1, 32, 64, 1000})
    void nopBatchCompletesEachOnce(int count) throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().entries(64).build())) {
            SubmissionQueue sq = ring.submissionQueue();
            for (int i = 0; i < count; i++) {
                sq.addNop(i);
            }
            BitSet seen = new BitSet(count);
            int[] reaped = {0};
            while (reaped[0] < count) {
                ring.submitAndWait(1);
                ring.completionQueue().drain((userData, res, flags) -> {
                    assertEquals(0, res);
                    assertFalse(seen.get((int) userData), "completion seen twice: " + userData);
                    seen.set((int) userData);
                    reaped[0]++;
                });
            }
            assertEquals(count, seen.cardinality());
            assertEquals(0, ring.completionQueue().ready());
        }
    }

    @Test
    void ringReportsItsShape() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().entries(100).cqEntries(1000).build())) {
            assertEquals(128, ring.submissionQueue().capacity());
            assertEquals(1024, ring.completionQueue().capacity());
            assertTrue(ring.hasFeature(IoUring.IORING_FEAT_NODROP));
            // Registered wherever the kernel can (5.18); older kernels enter by the plain fd.
            assertEquals(KernelFeatures.system().registeredRingFd(), ring.isRingFdRegistered());
            assertTrue(ring.probe().isSupported(Opcode.READV));
        }
    }
}
