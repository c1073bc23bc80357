package org.iouring4j.transport.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A close with {@code SO_LINGER > 0} blocks in {@code close(2)} until the peer has the data or the time is up. It
 * once did so on the event loop, stalling every other channel of the loop; it must run off the loop, as Netty's
 * epoll transport does, and its close future must complete only when {@code close(2)} returned.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LingeringCloseTest {
    private static final int LINGER_SECONDS = 5;
    private static final int WRITE_BYTES = 4 << 20;

    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(group);
    }

    @Test
    void aLingeringCloseLeavesTheLoopServingItsOtherChannels() throws Exception {
        group = Reliability.uringGroup(1); // every channel below on the same loop
        Channel echoServer = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(Reliability.EchoHandler.INSTANCE).bind(Reliability.LOOPBACK).sync().channel();
        CompletableFuture<Channel> lingering = new CompletableFuture<>();
        Channel lingerServer = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.SO_LINGER, LINGER_SECONDS)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                // More than the peer's small buffer takes: close(2) must wait for it to read.
                                ByteBuf data = Reliability.writePattern(ctx.alloc().directBuffer(WRITE_BYTES),
                                        WRITE_BYTES, 3, 0);
                                ctx.writeAndFlush(data);
                                ctx.close();
                                lingering.complete(ctx.channel());
                            }
                        });
                    }
                }).bind(Reliability.LOOPBACK).sync().channel();

        try (Socket echoClient = new Socket();
             Socket slowReader = new Socket()) {
            echoClient.connect(echoServer.localAddress(), 5000);
            echoClient.setSoTimeout(10_000);
            roundTrip(echoClient); // connected and served before the lingering close starts

            slowReader.setReceiveBufferSize(4096);
            slowReader.connect(lingerServer.localAddress(), 5000);
            Channel closing = lingering.get(10, TimeUnit.SECONDS);

            // While close(2) waits for the slow reader (up to 5 s), the loop serves the echo connection.
            int roundTrips = 0;
            long slowestNanos = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < deadline) {
                long start = System.nanoTime();
                roundTrip(echoClient);
                slowestNanos = Math.max(slowestNanos, System.nanoTime() - start);
                roundTrips++;
            }
            System.out.println("while the lingering close was pending: " + roundTrips + " echo round trips in 1 s,"
                    + " the slowest " + TimeUnit.NANOSECONDS.toMicros(slowestNanos) + " us");
            assertTrue(roundTrips >= 20, "only " + roundTrips + " echo round trips in 1 s while a lingering close"
                    + " was pending on the same loop");
            assertFalse(closing.closeFuture().isDone(), "the close future completed before close(2) could return");

            // The reader takes what was handed to the socket; only then does close(2), and the close future, return.
            long readerStarted = System.nanoTime();
            long received = drain(slowReader);
            assertTrue(closing.closeFuture().await(LINGER_SECONDS * 2L, TimeUnit.SECONDS), "close never completed");
            assertTrue(received > 0, "nothing reached the reader");
            System.out.println("lingering close: " + roundTrips + " echo round trips on the loop meanwhile; reader got "
                    + received + " bytes; close completed " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime()
                    - readerStarted) + " ms after the reader started");
            roundTrip(echoClient);
        }
        lingerServer.close().sync();
        echoServer.close().sync();
    }

    private static void roundTrip(Socket socket) throws Exception {
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        out.write(42);
        out.flush();
        assertEquals(42, in.read());
    }

    /** Reads until the server's close (EOF); returns the bytes read, each checked against the pattern. */
    private static long drain(Socket socket) throws Exception {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[1 << 16];
        long received = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            assertEquals(-1, Reliability.verifyPattern(buffer, 0, n, 3, received), "byte mismatch");
            received += n;
        }
        return received;
    }
}
