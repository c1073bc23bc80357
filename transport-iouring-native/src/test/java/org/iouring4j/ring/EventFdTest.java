package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * eventfd counting, the ring signalling a registered eventfd on completion, and a ring READ of a blocking eventfd
 * waiting for the signal (the wakeup pattern of an event loop).
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class EventFdTest {
    private static final int O_NONBLOCK = 0x800;

    @Test
    void signalsAccumulateAndReadResets() throws Exception {
        try (EventFd eventFd = EventFd.createNonBlocking()) {
            assertEquals(0, eventFd.read(), "fresh eventfd");
            eventFd.signal();
            eventFd.signal();
            assertEquals(2, eventFd.read());
            assertEquals(0, eventFd.read(), "read resets the counter");
        }
    }

    @Test
    void registeredEventFdIsSignalledOnCompletion() throws Exception {
        try (EventFd eventFd = EventFd.createNonBlocking();
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

    /**
     * {@link EventFd#create()} is blocking: a READ of it queued in a ring stays pending until another thread
     * signals, rather than completing at once with -EAGAIN (what a READ of an O_NONBLOCK file may do), and then
     * completes with the 8-byte counter.
     */
    @Test
    void ringReadOfABlockingEventFdWaitsForTheSignal() throws Exception {
        try (EventFd eventFd = EventFd.create();
             Ring ring = Ring.open(RingConfig.defaults());
             NativeMemory counter = NativeMemory.allocate(Long.BYTES)) {
            assertEquals(0, fileStatusFlags(eventFd.fd()) & O_NONBLOCK, "eventfd is O_NONBLOCK");
            ring.submissionQueue().addRead(eventFd.fd(), counter.address(), Long.BYTES, 0, 7);
            ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(100));
            assertEquals(0, ring.completionQueue().ready(), "the READ completed without a signal");

            Thread signaller = new Thread(() -> {
                try {
                    eventFd.signal();
                } catch (NativeIoException e) {
                    throw new IllegalStateException(e);
                }
            });
            signaller.start();
            assertEquals(new Completions.Cqe(7, Long.BYTES, 0), Completions.awaitOne(ring));
            assertEquals(1, counter.getLong(0));
            signaller.join();
        }
    }

    /** The {@code flags:} line of {@code /proc/self/fdinfo/FD}: the file's status flags, in octal. */
    static int fileStatusFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new IllegalStateException("no flags line in /proc/self/fdinfo/" + fd);
    }
}
