package org.iouring4j.transport;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failure that repeats every loop iteration (a failing io_uring_enter once logged a warning each time, about
 * 30 million a second) is warned about once, then at most once per interval: the clock is given explicitly.
 */
class ThrottledWarningTest {
    private static final long INTERVAL = TimeUnit.SECONDS.toNanos(10);

    @Test
    void aFailureRepeatingEveryIterationIsLoggedOncePerInterval() {
        ThrottledWarning warning = new ThrottledWarning(LoggerFactory.getLogger(ThrottledWarningTest.class),
                "test failure", INTERVAL);
        IOException cause = new IOException("io_uring_enter: EBADR");
        long start = 1_000L;
        int logged = 0;
        // A million failures, one every 10 us: 10 s of a loop spinning on a failing enter.
        for (int i = 0; i < 1_000_000; i++) {
            if (warning.warn(cause, start + i * 10_000L)) {
                logged++;
            }
        }
        assertEquals(1, logged, "warnings logged within one interval");
        assertTrue(warning.warn(cause, start + INTERVAL), "the next interval's first failure is logged");
        assertFalse(warning.warn(cause, start + INTERVAL + 1));
    }

    @Test
    void theFirstFailureIsAlwaysLogged() {
        ThrottledWarning warning = new ThrottledWarning(LoggerFactory.getLogger(ThrottledWarningTest.class),
                "test failure", INTERVAL);
        assertTrue(warning.warn(new IOException("first"), Long.MIN_VALUE + 5)); // nanoTime may be negative
    }
}
