package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketAutoReadTest;
import org.iouring4j.transport.StreamReadMode;

import java.util.List;

/**
 * Netty's {@link SocketAutoReadTest} with iouring4j on at least one side, reading by RECV whatever the run's
 * default read mode: the test counts reads of a {@code RecvByteBufAllocator} whose buffers hold one byte, which
 * RECV and READV honour and a provided-buffer ring does not (its buffers hold what arrived). Netty's own buffer-ring
 * runs leave this test out; {@code MultishotReadTest} covers auto-read switched off during a multishot receive.
 */
@UringTestsuite
public class UringSocketAutoReadTest extends SocketAutoReadTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.socketWithStreamReadMode(StreamReadMode.RECV);
    }
}
