package org.iouring4j.benchmarks;

import java.io.IOException;

/**
 * The server process's CPU time and memory over one client's measurement window: sampled from {@code /proc}
 * when the window opens and closes, and turned into a {@link Sample} with the client's numbers.
 *
 * <p>It also samples the whole machine, the client and the runner itself, so that whatever CPU time none of
 * them used shows up as "foreign": another process competing for the cores, which makes the run unfair to
 * whichever server it happened to overlap.
 */
final class ServerWindow {
    /** A process's CPU ticks so far. */
    interface Ticks {
        long read() throws IOException;
    }

    private static final long SELF = ProcessHandle.current().pid();

    private final long pid;
    private final Ticks client;
    private final long ticksPerSecond;
    private long startTicks;
    private long startNanos;
    private long startOthers;
    private long startClient;
    private long endTicks;
    private long endNanos;
    private long endOthers;
    private long endClient;
    private long rssKiB;
    private int ioUringThreads;

    /**
     * @param client the client's CPU ticks so far, readable at both edges of the window (for a client that
     *               exits before the window closes: {@link Proc#reapedChildrenTicks()})
     */
    ServerWindow(long pid, Ticks client, long ticksPerSecond) {
        this.pid = pid;
        this.client = client;
        this.ticksPerSecond = ticksPerSecond;
    }

    void open() throws IOException {
        startClient = client.read();
        startOthers = Proc.machineBusyTicks() - startClient - Proc.cpuTicks(SELF);
        startNanos = System.nanoTime();
        startTicks = Proc.cpuTicks(pid);
    }

    void close() throws IOException {
        endTicks = Proc.cpuTicks(pid);
        endNanos = System.nanoTime();
        endClient = client.read();
        endOthers = Proc.machineBusyTicks() - endClient - Proc.cpuTicks(SELF);
        rssKiB = Proc.rssKiB(pid);
        ioUringThreads = Proc.ioUringThreads(pid);
    }

    boolean isClosed() {
        return endNanos != 0;
    }

    /** io_uring kernel threads the server had when the window closed. */
    int ioUringThreads() {
        return ioUringThreads;
    }

    /**
     * Combines the window with what the client measured over it.
     *
     * @param operations  messages, datagrams or requests the client counted in the window (MiB for a download,
     *                    connections set up for idle connections)
     * @param lossPercent datagrams lost, as {@link Sample#lossPercent()}
     */
    Sample sample(double perSecond, double operations, double p50Micros, double p99Micros, double p999Micros,
                  double lossPercent) {
        double cpuSeconds = (double) (endTicks - startTicks) / ticksPerSecond;
        double wallSeconds = (endNanos - startNanos) / 1e9;
        double foreignSeconds = (double) (endOthers - startOthers - (endTicks - startTicks)) / ticksPerSecond;
        return new Sample(perSecond, p50Micros, p99Micros, p999Micros,
                operations == 0 ? Double.NaN : cpuSeconds * 1e6 / operations,
                100 * cpuSeconds / wallSeconds, 100.0 * (endClient - startClient) / ticksPerSecond / wallSeconds,
                rssKiB, Math.max(0, 100 * foreignSeconds / wallSeconds), lossPercent);
    }
}
