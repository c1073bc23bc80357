package org.iouring4j.transport;

import org.iouring4j.ring.EventFd;
import org.iouring4j.ring.NativeIoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wakes an event loop blocked in {@code io_uring_enter} from another thread, for the price of at most one
 * {@code eventfd} write per sleep.
 *
 * <p>The loop {@linkplain #arm() arms} before it blocks and re-checks for tasks afterwards; a waker only
 * writes when it is the one that flips the state from sleeping to awake. Either the loop sees the new task
 * in its re-check, or the waker sees the armed state: both sides use sequentially consistent operations, so
 * one of them must see the other. The loop keeps a READ of the eventfd in its ring, so the write completes it.
 *
 * <p>{@link #close()} waits for wakers already past the gate before closing the eventfd, so no write can hit
 * a closed (and possibly reused) fd number.
 */
final class Wakeup implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(Wakeup.class);
    private static final int AWAKE = 0;
    private static final int SLEEPING = 1;

    private final EventFd eventFd;
    private final AtomicInteger state = new AtomicInteger(AWAKE);
    private final AtomicInteger wakersInFlight = new AtomicInteger();
    private volatile boolean closed;

    Wakeup(EventFd eventFd) {
        this.eventFd = eventFd;
    }

    int fd() {
        return eventFd.fd();
    }

    /** Called by the loop right before it may block; the loop must re-check for work afterwards. */
    void arm() {
        state.set(SLEEPING);
    }

    /** Called by the loop once it is awake again. */
    void disarm() {
        state.lazySet(AWAKE);
    }

    /** Wakes the loop if it is (about to be) blocked. Call from other threads only. */
    void wakeup() {
        if (state.get() != SLEEPING || state.getAndSet(AWAKE) != SLEEPING) {
            return;
        }
        wakersInFlight.incrementAndGet();
        try {
            if (!closed) {
                eventFd.signal();
            }
        } catch (NativeIoException e) {
            logger.warn("Failed to wake the io_uring event loop", e);
        } finally {
            wakersInFlight.decrementAndGet();
        }
    }

    /** Closes the eventfd once no waker is still writing to it. Called by the loop thread at shutdown. */
    @Override
    public void close() {
        closed = true;
        while (wakersInFlight.get() != 0) {
            Thread.onSpinWait(); // a waker is inside one write(2): microseconds at most
        }
        eventFd.close();
    }
}
