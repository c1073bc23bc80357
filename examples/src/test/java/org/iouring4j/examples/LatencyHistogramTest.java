package org.iouring4j.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyHistogramTest {
    /** The documented precision: a percentile lands in the bucket of the true value, at most 1/64 above it. */
    private static void assertWithinBucket(long expected, long actual) {
        assertTrue(actual >= expected && actual <= expected + expected / 64 + 1,
                () -> "expected " + expected + " (+1/64 at most), got " + actual);
    }

    @Test
    void emptyHistogramReportsZero() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0, h.percentile(50));
        assertEquals(0, h.mean());
    }

    @Test
    void smallValuesAreExact() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100; v++) {
            h.record(v);
        }
        assertEquals(50, h.percentile(50));
        assertEquals(99, h.percentile(99));
        assertEquals(100, h.percentile(100));
    }

    @Test
    void percentilesOfAUniformSpreadStayWithinOneBucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 1_000_000; v++) {
            h.record(v * 10);
        }
        assertWithinBucket(5_000_000, h.percentile(50));
        assertWithinBucket(9_900_000, h.percentile(99));
        assertWithinBucket(9_990_000, h.percentile(99.9));
        assertEquals(10_000_000, h.max());
    }

    @Test
    void mergedHistogramsKeepTheirTails() {
        LatencyHistogram fast = new LatencyHistogram();
        LatencyHistogram slow = new LatencyHistogram();
        for (int i = 0; i < 990; i++) {
            fast.record(20_000);
        }
        for (int i = 0; i < 10; i++) {
            slow.record(3_000_000);
        }
        fast.add(slow);
        assertWithinBucket(20_000, fast.percentile(50));
        assertWithinBucket(20_000, fast.percentile(99));
        assertWithinBucket(3_000_000, fast.percentile(99.9));
        assertEquals(3_000_000, fast.max());
    }

    @Test
    void hugeValuesLandInTheLastBucketWithoutFailing() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(Long.MAX_VALUE);
        h.record(-5);
        assertEquals(Long.MAX_VALUE, h.max());
        assertEquals(0, h.percentile(50));
        assertTrue(h.percentile(100) > 1L << 40);
    }
}
