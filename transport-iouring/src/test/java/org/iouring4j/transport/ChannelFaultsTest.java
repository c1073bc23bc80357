package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.iouring4j.ring.NativeIoException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults fail only the channel or promise they concern, with an exception that says what happened. */
@ExtendWith(RequiresUring.class)
@Timeout(30)
class ChannelFaultsTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        if (Uring.isAvailable()) {
            group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        }
    }

    @AfterAll
    static void stopGroup() {
        if (group != null) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static Bootstrap client() {
        return new Bootstrap().group(group).channel(UringSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter());
    }

    @Test
    void connectToAClosedPortFailsWithConnectExceptionNamingOpErrnoAndAddress() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort(); // free again once closed
        }
        InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
        ChannelFuture connect = client().connect(target).await();
        assertFalse(connect.isSuccess());
        Throwable cause = connect.cause();
        assertInstanceOf(ConnectException.class, cause);
        assertTrue(cause.getMessage().contains("CONNECT") && cause.getMessage().contains("ECONNREFUSED"),
                cause.getMessage());
        assertTrue(cause.getMessage().contains(String.valueOf(port)), cause.getMessage());
        assertInstanceOf(NativeIoException.class, cause.getCause());
    }

    @Test
    void connectTimesOutAgainstAListenerThatNeverAccepts() throws Exception {
        // A listener with backlog 1, filled by two connections nobody accepts: further SYNs go unanswered.
        try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket filler = new Socket();
                    try {
                        filler.connect(full.getLocalSocketAddress(), 200);
                        fillers.add(filler);
                    } catch (java.io.IOException backlogFull) {
                        filler.close();
                        break;
                    }
                }
                long start = System.nanoTime();
                ChannelFuture connect = client().option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 300)
                        .connect(full.getLocalSocketAddress()).await();
                long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertInstanceOf(ConnectTimeoutException.class, connect.cause());
                assertTrue(elapsedMillis >= 290, "timed out after only " + elapsedMillis + " ms");
                // The loop closes the channel right after failing the promise, so this thread may look first.
                assertTrue(connect.channel().closeFuture().await(5, TimeUnit.SECONDS), "never closed");
                assertFalse(connect.channel().isOpen());
            } finally {
                for (Socket filler : fillers) {
                    filler.close();
                }
            }
        }
    }

    @Test
    void writeAfterCloseFailsItsPromiseAndReleasesTheBuffer() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            Channel channel = client().connect(server.getLocalSocketAddress()).sync().channel();
            channel.close().sync();
            ByteBuf buf = Unpooled.directBuffer(16).writeLong(1);
            ChannelFuture write = channel.writeAndFlush(buf).await();
            assertInstanceOf(ClosedChannelException.class, write.cause());
            assertEquals(0, buf.refCnt());
        }
    }

    /** A peer that resets one connection fails that channel only; the loop goes on serving another. */
    @Test
    void peerResetFailsOnlyItsChannel() throws Exception {
        CompletableFuture<Throwable> resetSeen = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ctx.writeAndFlush(msg); // echo
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                resetSeen.complete(cause);
                                ctx.close();
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try {
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            try (Socket healthy = new Socket(address.getAddress(), address.getPort())) {
                try (Socket resetter = new Socket(address.getAddress(), address.getPort())) {
                    resetter.setSoLinger(true, 0); // close() sends RST
                }
                Throwable cause = resetSeen.get(10, TimeUnit.SECONDS);
                assertInstanceOf(NativeIoException.class, cause);
                assertTrue(cause.getMessage().contains("ECONNRESET"), cause.getMessage());

                healthy.setSoTimeout(5000);
                healthy.getOutputStream().write(new byte[] {1, 2, 3});
                byte[] echoed = healthy.getInputStream().readNBytes(3);
                assertEquals(3, echoed.length);
                assertEquals(3, echoed[2]);
            }
        } finally {
            server.close().sync();
        }
    }
}
