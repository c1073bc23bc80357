package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramMulticastIPv6Test;

import java.util.List;

/** Netty's {@link DatagramMulticastIPv6Test} with iouring4j on at least one side (crossed with NIO). */
@UringTestsuite
public class UringDatagramMulticastIPv6Test extends DatagramMulticastIPv6Test {
    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.datagram(socketInternetProtocalFamily());
    }
}
