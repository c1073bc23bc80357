package org.iouring4j.benchmarks;

/**
 * One run's result.
 *
 * @param syscallsPerOp   server syscalls per message or request, {@code NaN} unless the run counted them
 * @param ioUringThreads  io_uring kernel threads the server had at the end of the window
 * @param footprint       the server's memory around idle connections; null for the other scenarios
 */
record Outcome(Sample sample, double syscallsPerOp, int ioUringThreads, Footprint footprint) {
}
