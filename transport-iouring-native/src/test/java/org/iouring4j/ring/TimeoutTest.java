package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TIMEOUT and LINK_TIMEOUT ops, with their timespecs in native memory. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class TimeoutTest {
    private static final long TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private static NativeMemory timespec(long nanos) {
        NativeMemory ts = NativeMemory.allocate(Abi.Timespec.SIZE);
        ts.putLong(Abi.Timespec.SEC, nanos / 1_000_000_000L);
        ts.putLong(Abi.Timespec.NSEC, nanos % 1_000_000_000L);
        return ts;
    }

    @Test
    void timeoutExpiresWithEtimeNoEarlierThanAsked() throws Exception {
        try (NativeMemory ts = timespec(TIMEOUT_NANOS);
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addTimeout(ts.address(), 0, 0, 1);
            long start = System.nanoTime();
            Completions.Cqe cqe = Completions.awaitOne(ring);
            long elapsed = System.nanoTime() - start;

            assertEquals(new Completions.Cqe(1, -Errno.ETIME, 0), cqe);
            // Only a lower bound: a loaded machine may fire late, never early. The upper bound is the deadline
            // in Completions.
            assertTrue(elapsed >= TIMEOUT_NANOS, "fired after " + elapsed + " ns");
        }
    }

    @Test
    void linkTimeoutCancelsAnIdleRead() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory ts = timespec(TIMEOUT_NANOS);
             NativeMemory buf = NativeMemory.allocate(64);
             Ring ring = Ring.open(RingConfig.defaults())) {
            SubmissionQueue sq = ring.submissionQueue();
            int read = sq.addRead(pair[1], buf.address(), 64, -1, 1);
            sq.orFlags(read, IoUring.IOSQE_IO_LINK);
            sq.addLinkTimeout(ts.address(), 0, 2);
            long start = System.nanoTime();
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            long elapsed = System.nanoTime() - start;

            assertEquals(-Errno.ECANCELED, done.get(1L).res(), "read");
            assertEquals(-Errno.ETIME, done.get(2L).res(), "link timeout");
            assertTrue(elapsed >= TIMEOUT_NANOS, "cancelled after " + elapsed + " ns");
        } finally {
            Completions.closeAll(pair);
        }
    }

    @Test
    void linkTimeoutIsCancelledWhenTheReadCompletesFirst() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory ts = timespec(TimeUnit.SECONDS.toNanos(5));
             NativeMemory buf = Completions.memoryOf(new byte[] {1, 2, 3});
             Ring ring = Ring.open(RingConfig.defaults())) {
            FileDescriptors.write(pair[0], buf.address(), 3);
            SubmissionQueue sq = ring.submissionQueue();
            int read = sq.addRead(pair[1], buf.address(), 3, -1, 1);
            sq.orFlags(read, IoUring.IOSQE_IO_LINK);
            sq.addLinkTimeout(ts.address(), 0, 2);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);

            assertEquals(3, done.get(1L).res(), "read");
            assertEquals(-Errno.ECANCELED, done.get(2L).res(), "link timeout");
        } finally {
            Completions.closeAll(pair);
        }
    }
}
