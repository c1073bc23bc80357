package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketEchoTest;

import java.util.List;

/**
 * Netty's {@link SocketEchoTest} with iouring4j on at least one side sending every single-buffer write zero copy
 * ({@code SEND_ZC_THRESHOLD} 0): buffers released late, on the kernel's notification, must change nothing Netty's
 * tests see (with SEND_ZC switched off, as in the floor-features run, the writes are SENDs).
 */
@UringTestsuite
public class UringSocketZeroCopyEchoTest extends SocketEchoTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.socketWithSendZcThreshold(0);
    }
}
