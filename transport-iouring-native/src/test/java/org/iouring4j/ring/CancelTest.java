package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ASYNC_CANCEL of an op that is waiting for data. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class CancelTest {
    @Test
    void cancelledPendingReadCompletesWithEcanceled() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory buf = NativeMemory.allocate(64);
             Ring ring = Ring.open(RingConfig.defaults())) {
            SubmissionQueue sq = ring.submissionQueue();
            sq.addRead(pair[1], buf.address(), 64, -1, 1);
            ring.submit();
            // Nothing was written, so the read is parked and nothing has completed.
            assertEquals(0, ring.completionQueue().ready());

            sq.addCancel(1, 0, 2);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(-Errno.ECANCELED, done.get(1L).res(), "read");
            assertEquals(0, done.get(2L).res(), "cancel");
        } finally {
            Completions.closeAll(pair);
        }
    }

    @Test
    void cancelOfUnknownUserDataCompletesWithEnoent() throws Exception {
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addCancel(42, 0, 1);
            assertEquals(new Completions.Cqe(1, -Errno.ENOENT, 0), Completions.awaitOne(ring));
        }
    }
}
