package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.AbstractClientSocketTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Unix datagram socket addressed to a path where no socket is: connecting fails, and so does a send (its
 * promise only; the channel stays open), with {@link FileNotFoundException} as on Netty's epoll transport.
 */
@UringTestsuite
public class UringDomainDatagramPathTest extends AbstractClientSocketTest {
    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.uringDomainDatagram();
    }

    @Test
    public void connectingToAMissingPathFails(TestInfo testInfo) throws Throwable {
        run(testInfo, bootstrap -> {
            ChannelFuture connect = bootstrap.handler(new ChannelInboundHandlerAdapter())
                    .connect(UringSocketTestPermutation.newDomainSocketAddress()).await();
            assertInstanceOf(FileNotFoundException.class, connect.cause());
        });
    }

    @Test
    public void sendingToAMissingPathFailsThatSendOnly(TestInfo testInfo) throws Throwable {
        run(testInfo, bootstrap -> {
            Channel channel = bootstrap.handler(new ChannelInboundHandlerAdapter())
                    .bind(UringSocketTestPermutation.newDomainSocketAddress()).sync().channel();
            try {
                ChannelFuture send = channel.writeAndFlush(new DomainDatagramPacket(
                        Unpooled.copiedBuffer("test", StandardCharsets.US_ASCII),
                        UringSocketTestPermutation.newDomainSocketAddress())).await();
                assertInstanceOf(FileNotFoundException.class, send.cause());
                assertTrue(channel.isOpen());
            } finally {
                channel.close().sync();
            }
        });
    }
}
