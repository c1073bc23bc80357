package org.iouring4j.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options are read back from the socket itself, for Netty's portable options and the Linux ones alike. */
@ExtendWith(RequiresUring.class)
@Timeout(10)
class ChannelOptionsTest {
    @Test
    void socketOptionsRoundTripThroughTheKernel() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        UringSocketChannel channel = new UringSocketChannel();
        try {
            group.register(channel).sync();
            UringSocketChannelConfig config = channel.config();
            assertTrue(config.isTcpNoDelay(), "TCP_NODELAY is on by default, as with Netty's transports");
            assertTrue(config.setOption(ChannelOption.SO_KEEPALIVE, true));
            assertTrue(config.getOption(ChannelOption.SO_KEEPALIVE));
            config.setOption(ChannelOption.SO_LINGER, 0);
            assertEquals(0, config.getOption(ChannelOption.SO_LINGER));
            config.setOption(UringChannelOption.TCP_KEEPIDLE, 77);
            assertEquals(77, config.getOption(UringChannelOption.TCP_KEEPIDLE));
            config.setOption(UringChannelOption.TCP_USER_TIMEOUT, 1234);
            assertEquals(1234, config.getOption(UringChannelOption.TCP_USER_TIMEOUT));
            config.setOption(UringChannelOption.TCP_CORK, true);
            assertTrue(config.getOption(UringChannelOption.TCP_CORK));
            // Netty's standard fast-open option and ours are one and the same.
            config.setOption(ChannelOption.TCP_FASTOPEN_CONNECT, true);
            assertTrue(config.getOption(UringChannelOption.TCP_FASTOPEN_CONNECT));
            assertTrue(config.getOptions().containsKey(UringChannelOption.TCP_NOTSENT_LOWAT));
            assertFalse(config.setOption(ChannelOption.valueOf("NOT_A_REAL_OPTION"), 1),
                    "unknown options are refused, as Netty's configs do");
        } finally {
            channel.close().sync();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void serverOptionsRoundTripThroughTheKernel() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        UringServerSocketChannel channel = new UringServerSocketChannel();
        try {
            group.register(channel).sync();
            UringServerSocketChannelConfig config = channel.config();
            assertTrue(config.isReuseAddress(), "SO_REUSEADDR is on by default for servers");
            config.setOption(UringChannelOption.SO_REUSEPORT, true);
            assertTrue(config.getOption(UringChannelOption.SO_REUSEPORT));
            config.setOption(ChannelOption.TCP_FASTOPEN, 16);
            assertEquals(16, config.getOption(UringChannelOption.TCP_FASTOPEN));
            config.setOption(ChannelOption.SO_BACKLOG, 321);
            assertEquals(321, config.getBacklog());
        } finally {
            channel.close().sync();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
