package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;

import java.net.SocketAddress;
import java.util.List;

/** {@link UringSocketSslEchoTest} over Unix domain sockets (a path in a temporary directory). */
@UringTestsuite
public class UringDomainSocketSslEchoTest extends UringSocketSslEchoTest {
    @Override
    protected SocketAddress newSocketAddress() {
        return UringSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.domainSocket();
    }
}
