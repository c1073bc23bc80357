package org.iouring4j.benchmarks;

/**
 * The server's memory around one round of idle connections: before them (the warmup connections closed again)
 * and with all of them up and idle, each after a full GC when the JDK's {@code jcmd} could ask for one.
 *
 * @param connections   idle connections held
 * @param rssBeforeKiB  {@code VmRSS} before the idle connections
 * @param rssAfterKiB   {@code VmRSS} with all of them idle
 * @param heapBeforeKiB Java heap in use ({@code jcmd GC.heap_info}) before them; -1 when unknown
 * @param heapAfterKiB  Java heap in use with all of them idle; -1 when unknown
 */
record Footprint(int connections, long rssBeforeKiB, long rssAfterKiB, long heapBeforeKiB, long heapAfterKiB) {
    /**
     * The growth of the resident set per connection. The server's heap is fixed and touched in full at start
     * ({@code -XX:+AlwaysPreTouch}), so this is memory outside the Java heap: native allocations (direct buffers,
     * the transport's own native memory), thread stacks, code and metadata.
     */
    double rssPerConnectionKiB() {
        return (rssAfterKiB - rssBeforeKiB) / (double) connections;
    }

    /** The growth of the Java heap in use per connection (channel objects, pipelines); NaN when unknown. */
    double heapPerConnectionKiB() {
        return heapBeforeKiB < 0 || heapAfterKiB < 0 ? Double.NaN
                : (heapAfterKiB - heapBeforeKiB) / (double) connections;
    }
}
