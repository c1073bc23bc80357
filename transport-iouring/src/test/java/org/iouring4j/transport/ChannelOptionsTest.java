package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Options are read back from the socket itself, for Netty's portable options and the Linux ones alike. */
@ExtendWith(RequiresUring.class)
@Timeout(10)
class ChannelOptionsTest {
    /** TEST-NET-1 (RFC 5737): never a local address; binding to it sends nothing. */
    private static final String NON_LOCAL_ADDRESS = "192.0.2.1";
    /** The bits of CAP_NET_ADMIN and CAP_NET_RAW in a capability set of {@code /proc/self/status}. */
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_NET_RAW = 13;

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
            config.setOption(UringChannelOption.IP_FREEBIND, true);
            assertTrue(config.getOption(UringChannelOption.IP_FREEBIND));
            config.setOption(UringChannelOption.IP_FREEBIND, false);
            assertFalse(config.getOption(UringChannelOption.IP_FREEBIND));
            assertTrue(config.getOptions().keySet().containsAll(List.of(UringChannelOption.IP_FREEBIND,
                    UringChannelOption.IP_TRANSPARENT)));
            assertTransparentFollowsCapability(config::setOption, config::getOption);
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
            // The kernel keeps TCP_DEFER_ACCEPT as SYN-ACK retransmissions (1 + 2 + 4 s cover 5 s): it reads 7.
            config.setOption(UringChannelOption.TCP_DEFER_ACCEPT, 5);
            assertEquals(7, config.getOption(UringChannelOption.TCP_DEFER_ACCEPT));
            config.setOption(UringChannelOption.TCP_DEFER_ACCEPT, 0);
            assertEquals(0, config.getOption(UringChannelOption.TCP_DEFER_ACCEPT));
            assertFalse(config.getOption(UringChannelOption.IP_FREEBIND));
            config.setOption(UringChannelOption.IP_FREEBIND, true);
            assertTrue(config.getOption(UringChannelOption.IP_FREEBIND));
            assertTrue(config.getOptions().keySet().containsAll(List.of(UringChannelOption.TCP_DEFER_ACCEPT,
                    UringChannelOption.IP_FREEBIND, UringChannelOption.IP_TRANSPARENT)));
            assertTransparentFollowsCapability(config::setOption, config::getOption);
        } finally {
            channel.close().sync();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    /** Datagram channels take IP_FREEBIND and IP_TRANSPARENT too, as Netty's epoll datagram channel does. */
    @Test
    void datagramIpOptionsRoundTripThroughTheKernel() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        UringDatagramChannel channel = new UringDatagramChannel();
        try {
            group.register(channel).sync();
            UringDatagramChannelConfig config = channel.config();
            config.setOption(UringChannelOption.IP_FREEBIND, true);
            assertTrue(config.getOption(UringChannelOption.IP_FREEBIND));
            assertTransparentFollowsCapability(config::setOption, config::getOption);
        } finally {
            channel.close().sync();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * IP_FREEBIND lets a server bind an address no interface has; without it the kernel refuses (EADDRNOTAVAIL).
     * The address is TEST-NET-1 and the server only listens: nothing is sent anywhere.
     */
    @Test
    void freeBindLetsAServerBindAnAddressThatIsNotLocal() throws Exception {
        assumeTrue(sysctl("net/ipv4/ip_nonlocal_bind") == 0 && sysctl("net/ipv6/ip_nonlocal_bind") == 0,
                "non-local binds are allowed to every socket on this machine");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        InetSocketAddress nonLocal = new InetSocketAddress(NON_LOCAL_ADDRESS, 0);
        try {
            ChannelFuture refused = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(nonLocal).await();
            NativeIoException cause = assertInstanceOf(NativeIoException.class, refused.cause());
            assertEquals(Errno.EADDRNOTAVAIL, cause.errno(), cause.getMessage());

            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .option(UringChannelOption.IP_FREEBIND, true)
                    .childHandler(new ChannelInboundHandlerAdapter()).bind(nonLocal).sync().channel();
            assertEquals(NON_LOCAL_ADDRESS, ((InetSocketAddress) server.localAddress()).getAddress().getHostAddress());
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * With TCP_DEFER_ACCEPT a connection is accepted only once data arrives: a connected client that has sent
     * nothing is not seen by the server (checked after a short wait: an absence has no event to wait for), and its
     * first bytes make the server accept it and read them.
     */
    @Test
    void deferAcceptWaitsForTheFirstData() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        AtomicInteger accepted = new AtomicInteger();
        CompletableFuture<String> firstRead = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .option(UringChannelOption.TCP_DEFER_ACCEPT, 5)
                    .childHandler(new SimpleChannelInboundHandler<ByteBuf>() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            accepted.incrementAndGet();
                        }

                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                            firstRead.complete(msg.toString(StandardCharsets.US_ASCII));
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel client = new Bootstrap().group(group).channel(UringSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
            Thread.sleep(300);
            assertEquals(0, accepted.get(), "accepted before any data came");
            client.writeAndFlush(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII)).sync();
            assertEquals("x", firstRead.get(5, TimeUnit.SECONDS));
            assertEquals(1, accepted.get());
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    /** A channel config's option setter and getter, so one check serves every channel kind. */
    private interface OptionSetter {
        <T> boolean set(ChannelOption<T> option, T value);
    }

    private interface OptionGetter {
        <T> T get(ChannelOption<T> option);
    }

    /**
     * IP_TRANSPARENT needs CAP_NET_ADMIN or CAP_NET_RAW: with either the option round-trips; with neither setting it
     * fails, naming the option and EPERM. Which of the two is checked depends on the capabilities the tests run with
     * ({@code capsh --drop=cap_net_admin,cap_net_raw -- -c "mvn ..."} runs the second).
     */
    private static void assertTransparentFollowsCapability(OptionSetter setter, OptionGetter getter)
            throws IOException {
        if (hasCapability(CAP_NET_ADMIN) || hasCapability(CAP_NET_RAW)) {
            setter.set(UringChannelOption.IP_TRANSPARENT, true);
            assertTrue(getter.get(UringChannelOption.IP_TRANSPARENT));
            setter.set(UringChannelOption.IP_TRANSPARENT, false);
            assertFalse(getter.get(UringChannelOption.IP_TRANSPARENT));
        } else {
            ChannelException e = assertThrows(ChannelException.class,
                    () -> setter.set(UringChannelOption.IP_TRANSPARENT, true));
            NativeIoException cause = assertInstanceOf(NativeIoException.class, e.getCause());
            assertEquals("setsockopt(IP_TRANSPARENT)", cause.op());
            assertEquals(Errno.EPERM, cause.errno());
        }
    }

    private static boolean hasCapability(int capability) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("CapEff:")) {
                return new BigInteger(line.substring("CapEff:".length()).trim(), 16).testBit(capability);
            }
        }
        throw new IllegalStateException("no CapEff line in /proc/self/status");
    }

    private static int sysctl(String name) throws IOException {
        return Integer.parseInt(Files.readString(Path.of("/proc/sys", name)).trim());
    }
}
