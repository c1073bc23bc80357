package org.iouring4j.transport;

import org.slf4j.Logger;

/**
 * A warning for a failure that can repeat every loop iteration (a failing {@code io_uring_enter}, say): logged
 * the first time with its stack trace, then at most once per interval with the number of repeats since, so a
 * persistent fault cannot flood the log. Loop thread only.
 */
final class ThrottledWarning {
    private final Logger logger;
    private final String what;
    private final long intervalNanos;
    private boolean warnedOnce;
    private long nextWarningNanos;
    private long repeats;

    ThrottledWarning(Logger logger, String what, long intervalNanos) {
        this.logger = logger;
        this.what = what;
        this.intervalNanos = intervalNanos;
    }

    /**
     * Reports one occurrence at {@code nowNanos} ({@link System#nanoTime()}).
     *
     * @return whether it was logged (false: counted, to be reported with the next logged one)
     */
    boolean warn(Throwable cause, long nowNanos) {
        if (warnedOnce && nowNanos - nextWarningNanos < 0) {
            repeats++;
            return false;
        }
        if (!warnedOnce) {
            logger.warn("{}; the event loop continues (repeats are logged at most every {} s)", what,
                    intervalNanos / 1_000_000_000L, cause);
        } else {
            logger.warn("{} again, {} times since the last warning: {}", what, repeats + 1, cause.toString());
        }
        warnedOnce = true;
        repeats = 0;
        nextWarningNanos = nowNanos + intervalNanos;
        return true;
    }
}
