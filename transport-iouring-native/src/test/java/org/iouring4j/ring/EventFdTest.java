package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** eventfd counting, and the ring signalling a registered eventfd on completion. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class EventFdTest {
    @Test
    void signalsAccumulateAndReadResets() throws Exception {
        try (EventFd eventFd = EventFd.create()) {
            assertEquals(0, eventFd.read(), "fresh eventfd");
            eventFd.signal();
            eventFd.signal();
            assertEquals(2, eventFd.read());
            assertEquals(0, eventFd.read(), "read resets the counter");
        }
    }

    @Test
    void registeredEventFdIsSignalledOnCompletion() throws Exception {
        try (EventFd eventFd = EventFd.create();
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.registrar().registerEventFd(eventFd.fd());
            assertEquals(0, eventFd.read(), "nothing completed yet");

            ring.submissionQueue().addNop(1);
            assertEquals(new Completions.Cqe(1, 0, 0), Completions.awaitOne(ring));
            assertTrue(eventFd.read() > 0, "completion did not signal the eventfd");

            ring.registrar().unregisterEventFd();
            ring.submissionQueue().addNop(2);
            assertEquals(new Completions.Cqe(2, 0, 0), Completions.awaitOne(ring));
            assertEquals(0, eventFd.read(), "unregistered eventfd was signalled");
        }
    }
}
