package org.iouring4j.examples;

/**
 * Round-trip times in nanoseconds, counted into log-linear buckets preallocated up front, so recording one is
 * a few arithmetic operations and an array increment, never an allocation.
 *
 * <p>Values below 128 ns have a bucket each; above, every power of two is split into 64 equal buckets, so a
 * percentile is reported within 1/64 (1.6%) of the true value. Values beyond about 18 minutes land in the
 * last bucket. Not thread-safe: one histogram per event loop (or per connection), {@link #add merged} after.
 */
final class LatencyHistogram {
    private static final int LINEAR = 128;
    private static final int SUB_BUCKETS = 64;
    private static final int SUB_BITS = 6;
    /** Largest recorded exponent: 2^40 ns, about 18 minutes. */
    private static final int MAX_EXPONENT = 40;
    private static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 2) * SUB_BUCKETS;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long sum;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        sum += v;
        max = Math.max(max, v);
    }

    /**
     * Below {@link #LINEAR} the value is the index. Above, with {@code e} the position of the top bit, the top
     * seven bits {@code v >>> (e - 6)} are 64..127, and {@code (e - 6) * 64} puts each power of two after the
     * previous one.
     */
    private static int index(long v) {
        if (v < LINEAR) {
            return (int) v;
        }
        int shift = Math.min(63 - Long.numberOfLeadingZeros(v), MAX_EXPONENT) - SUB_BITS;
        long top = Math.min(v >>> shift, 2 * SUB_BUCKETS - 1);
        return shift * SUB_BUCKETS + (int) top;
    }

    /** The largest value that lands in bucket {@code index}: percentiles err on the slow side. */
    private static long highestValue(int index) {
        if (index < LINEAR) {
            return index;
        }
        int shift = index / SUB_BUCKETS - 1;
        long top = index - (long) shift * SUB_BUCKETS;
        return ((top + 1) << shift) - 1;
    }

    void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        sum += other.sum;
        max = Math.max(max, other.max);
    }

    /** The value below which {@code percent} of the recorded values fall, in nanoseconds; 0 when empty. */
    long percentile(double percent) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(percent / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(highestValue(i), max);
            }
        }
        return max;
    }

    double mean() {
        return total == 0 ? 0 : (double) sum / total;
    }

    long max() {
        return max;
    }
}
