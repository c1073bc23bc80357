package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketHalfClosedTest;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.List;

/** Netty's {@link SocketHalfClosedTest} with iouring4j on at least one side. */
@UringTestsuite
public class UringSocketHalfClosedTest extends SocketHalfClosedTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.socket();
    }

    /**
     * Disabled, as Netty disables it for its own io_uring transport. The test's "leader" handler writes and then
     * blocks its event loop thread in {@code channelActive} until the peer has read that write and closed. On
     * io_uring a flush only queues the write in the submission queue; the loop hands it to the kernel at its next
     * {@code io_uring_enter}, which never comes while the thread is blocked: the peer never gets the bytes, the
     * test deadlocks, and the wedged loop then times out every later test that lands on it.
     */
    @Disabled("Blocks the event loop before a queued io_uring write is submitted (disabled by Netty for io_uring)")
    @Test
    @Override
    public void testAutoCloseFalseDoesShutdownOutput(TestInfo testInfo) throws Throwable {
        super.testAutoCloseFalseDoesShutdownOutput(testInfo);
    }
}
