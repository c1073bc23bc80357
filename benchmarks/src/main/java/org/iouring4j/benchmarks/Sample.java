package org.iouring4j.benchmarks;

/**
 * What one measured run of one server gave: the client's view (throughput, latency) and the server process's
 * (CPU and memory, sampled from {@code /proc} at the edges of the client's measurement window).
 *
 * @param perSecond       messages, datagrams or requests per second
 * @param p50Micros       round-trip or request latency percentiles, as the client measured them; {@code NaN}
 *                        where the client does not report one (wrk has no p99.9)
 * @param cpuMicrosPerOp  server user+sys CPU, all its threads and io_uring kernel workers, per message
 * @param cpuPercent      that CPU time as a share of one core over the window
 * @param clientCpuPercent the load client's CPU time as a share of one core: near 100 (its one core), the
 *                        client, not the server, limits the throughput
 * @param rssKiB          the server's {@code VmRSS} at the end of the window
 * @param foreignCpuPercent CPU time that neither the server nor the client (nor the runner) used during the
 *                        window, as a share of one core: other processes competing for the cores
 * @param lossPercent     UDP: the share of datagrams the client saw no echo of in time; {@code NaN} for the
 *                        stream and HTTP loads, which lose nothing
 */
record Sample(double perSecond, double p50Micros, double p99Micros, double p999Micros, double cpuMicrosPerOp,
              double cpuPercent, double clientCpuPercent, long rssKiB, double foreignCpuPercent,
              double lossPercent) {
}
