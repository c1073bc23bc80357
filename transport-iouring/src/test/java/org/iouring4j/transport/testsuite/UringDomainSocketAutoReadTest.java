package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import org.iouring4j.transport.StreamReadMode;

import java.net.SocketAddress;
import java.util.List;

/** {@link UringSocketAutoReadTest} over Unix domain sockets (a path in a temporary directory), reading by RECV. */
@UringTestsuite
public class UringDomainSocketAutoReadTest extends UringSocketAutoReadTest {
    @Override
    protected SocketAddress newSocketAddress() {
        return UringSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.domainSocketWithStreamReadMode(StreamReadMode.RECV);
    }
}
