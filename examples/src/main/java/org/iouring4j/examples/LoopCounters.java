package org.iouring4j.examples;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringIoHandlerMetrics;

import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@link UringIoHandler} counters of every loop of a group, added up: how many {@code io_uring_enter}
 * calls the loops made and how well each one batched. Only an iouring4j group has them; for any other
 * transport {@link #of} returns {@code null}.
 */
final class LoopCounters {
    final long enters;
    final long sqes;
    final long cqes;
    final int largestBatch;
    final long cqOverflows;

    private LoopCounters(long enters, long sqes, long cqes, int largestBatch, long cqOverflows) {
        this.enters = enters;
        this.sqes = sqes;
        this.cqes = cqes;
        this.largestBatch = largestBatch;
        this.cqOverflows = cqOverflows;
    }

    /**
     * Snapshots the counters, or returns {@code null} when the group's loops are not iouring4j's. Each loop is
     * asked on its own thread, because {@link UringIoHandler#current()} only answers there.
     */
    static LoopCounters of(EventLoopGroup group) throws InterruptedException {
        long enters = 0;
        long sqes = 0;
        long cqes = 0;
        int largestBatch = 0;
        long cqOverflows = 0;
        for (EventExecutor loop : group) {
            UringIoHandlerMetrics m;
            try {
                m = loop.submit(LoopCounters::currentMetrics).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("could not read the counters of " + loop, e);
            }
            if (m == null) {
                return null;
            }
            enters += m.enters();
            sqes += m.sqesSubmitted();
            cqes += m.cqesReaped();
            largestBatch = Math.max(largestBatch, m.largestBatch());
            cqOverflows += m.cqOverflows();
        }
        return new LoopCounters(enters, sqes, cqes, largestBatch, cqOverflows);
    }

    private static UringIoHandlerMetrics currentMetrics() {
        UringIoHandler handler = UringIoHandler.current();
        return handler == null ? null : handler.metrics();
    }

    /**
     * What happened between {@code earlier} and this snapshot. The largest batch is not a count, so the
     * difference keeps this snapshot's (the largest since the loop started).
     */
    LoopCounters since(LoopCounters earlier) {
        return new LoopCounters(enters - earlier.enters, sqes - earlier.sqes, cqes - earlier.cqes, largestBatch,
                cqOverflows - earlier.cqOverflows);
    }

    double sqesPerEnter() {
        return enters == 0 ? 0 : (double) sqes / enters;
    }

    double cqesPerEnter() {
        return enters == 0 ? 0 : (double) cqes / enters;
    }

    /** One line of {@code key=value} pairs; the benchmark runner reads {@code enters=} and {@code sqes/enter=}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "enters=%d sqes=%d cqes=%d sqes/enter=%.2f cqes/enter=%.2f"
                + " largestBatch=%d cqOverflows=%d", enters, sqes, cqes, sqesPerEnter(), cqesPerEnter(),
                largestBatch, cqOverflows);
    }
}
