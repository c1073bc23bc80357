package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Closing is idempotent, and a closed ring refuses work with an exception instead of touching freed memory. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class RingLifecycleTest {
    @Test
    void closingTwiceIsHarmless() throws Exception {
        Ring ring = Ring.open(RingConfig.defaults());
        assertTrue(ring.isOpen());
        ring.close();
        assertFalse(ring.isOpen());
        ring.close();
        assertFalse(ring.isOpen());
        assertTrue(ring.toString().contains("closed"), ring.toString());
    }

    @Test
    void closedRingRefusesToSubmit() throws Exception {
        Ring ring = Ring.open(RingConfig.defaults());
        ring.close();
        assertThrows(IllegalStateException.class, ring::submit);
    }

    @Test
    void closedRingRefusesToWait() throws Exception {
        Ring ring = Ring.open(RingConfig.defaults());
        ring.close();
        assertThrows(IllegalStateException.class, () -> ring.submitAndWait(1));
        assertThrows(IllegalStateException.class, () -> ring.submitAndWait(1, 1_000_000));
    }

    @Test
    void closedRingRefusesToEnter() throws Exception {
        Ring ring = Ring.open(RingConfig.defaults());
        ring.close();
        assertThrows(IllegalStateException.class, () -> ring.enter(0, 0, IoUring.IORING_ENTER_GETEVENTS, 0, 0));
    }

    /** The queues of a closed ring are unmapped memory: each entry point says so by name rather than crashing. */
    @Test
    void closedRingsQueuesRefuseToBeTouched() throws Exception {
        Ring ring = Ring.open(RingConfig.defaults());
        SubmissionQueue sq = ring.submissionQueue();
        CompletionQueue cq = ring.completionQueue();
        ring.close();
        assertEquals("ring is closed", assertThrows(IllegalStateException.class, () -> sq.addNop(1)).getMessage());
        assertThrows(IllegalStateException.class, sq::pending);
        assertThrows(IllegalStateException.class, sq::dropped);
        assertThrows(IllegalStateException.class, cq::ready);
        assertThrows(IllegalStateException.class, () -> cq.drain((userData, res, flags) -> { }));
        assertThrows(IllegalStateException.class, cq::needsFlush);
        assertThrows(IllegalStateException.class, cq::isOverflowPending);
        assertThrows(IllegalStateException.class, cq::overflowCount);
    }

    @Test
    void closedRingRefusesToRegister() throws Exception {
        Ring ring = Ring.open(RingConfig.defaults());
        ring.close();
        assertThrows(IllegalStateException.class, () -> ring.registrar().registerFiles(0));
        assertThrows(IllegalStateException.class, ring::probe);
    }

    /**
     * A registered ring fd holds its own reference to the ring, in one of only 16 slots per thread: close must
     * give it back, or every ring opened on a thread stays alive until the thread exits.
     */
    @Test
    void closeReleasesTheRingFdRegistration() throws Exception {
        assumeTrue(KernelFeatures.system().registeredRingFd(), "registered ring fds need Linux 5.18");
        for (int i = 0; i < 40; i++) {
            try (Ring ring = Ring.open(RingConfig.defaults())) {
                assertTrue(ring.isRingFdRegistered(), "ring " + i + " found no free registration slot");
            }
        }
    }

    /**
     * Closing a ring with a READ still pending tears the ring down, which drops the read's reference to its
     * socket: once the test closes its own fd too, the peer sees end of stream.
     */
    @Test
    void closeReleasesTheFilesOfPendingOps() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory buf = NativeMemory.allocate(16);
             Ring watcher = Ring.open(RingConfig.defaults())) {
            Ring ring = Ring.open(RingConfig.defaults());
            ring.submissionQueue().addRead(pair[1], buf.address(), 16, -1, 1);
            ring.submit();
            ring.close();
            FileDescriptors.close(pair[1]);

            watcher.submissionQueue().addPollAdd(pair[0], IoUring.POLLRDHUP, 2);
            Completions.Cqe cqe = Completions.awaitOne(watcher);
            assertTrue((cqe.res() & IoUring.POLLRDHUP) != 0, "peer still open: " + cqe);
        } finally {
            Completions.closeAll(pair[0]);
        }
    }
}
