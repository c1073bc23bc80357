package org.iouring4j.examples;

/**
 * What a {@link DownloadClient} run counts: the bytes that arrived inside the measurement window (whichever
 * download they belong to, so a download straddling an edge counts only its share), the downloads that ended with
 * the whole file, and the first one that did not. Only the client's event-loop thread uses it.
 */
final class DownloadTally {
    private final long expectedBytes;
    private final long measureStart;
    private final long measureEnd;
    private long measuredBytes;
    private long downloads;
    private String failure;

    /**
     * @param expectedBytes the file's length, which every download must reach; 0 accepts any length
     * @param measureStart  {@link System#nanoTime()} at which the window opens
     * @param measureEnd    {@link System#nanoTime()} at which it closes
     */
    DownloadTally(long expectedBytes, long measureStart, long measureEnd) {
        this.expectedBytes = expectedBytes;
        this.measureStart = measureStart;
        this.measureEnd = measureEnd;
    }

    /** Counts {@code bytes} that one read got at {@code now}. */
    void received(long bytes, long now) {
        if (now >= measureStart && now < measureEnd) {
            measuredBytes += bytes;
        }
    }

    /**
     * Accounts for a download whose connection closed at {@code now} after {@code bytes}.
     *
     * @param stoppedByClient the client closed it itself because the run is over: neither a download nor a failure
     * @return whether to start another download in its place
     */
    boolean ended(long bytes, boolean stoppedByClient, long now) {
        if (stoppedByClient) {
            return false;
        }
        if (expectedBytes > 0 && bytes != expectedBytes) {
            fail("a download ended after " + bytes + " of " + expectedBytes + " bytes");
            return false;
        }
        downloads++;
        return failure == null && now < measureEnd;
    }

    /** Records why the run failed; the first reason wins. */
    void fail(String why) {
        if (failure == null) {
            failure = why;
        }
    }

    long measuredBytes() {
        return measuredBytes;
    }

    /** Downloads that ended with the whole file. */
    long downloads() {
        return downloads;
    }

    /** Why the run failed, or null. */
    String failure() {
        return failure;
    }
}
