package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load: many connections on one event loop, and one long transfer under write back-pressure. Every byte is
 * checked against the pattern it was sent with (position by position), so nothing can be lost, duplicated or
 * reordered unnoticed.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LoadTest {
    /** {@code -Diouring4j.reliability.connections} shrinks or grows the many-connections test (default 10,000). */
    private static final int CONNECTIONS = Integer.getInteger("iouring4j.reliability.connections", 10_000);
    private static final int BYTES_PER_CONNECTION = 8 * 1024;

    private EventLoopGroup serverGroup;
    private EventLoopGroup clientGroup;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(clientGroup, serverGroup);
    }

    /**
     * 10,000 connections held open at once against one server event loop, all echoing 8 KiB of their own
     * pattern. The clients run in a child JVM on plain NIO: with both ends in one process 10,000 connections
     * need 20,000+ fds, more than a default hard limit allows (and the independent client makes a failure point
     * at the transport).
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void tenThousandConnectionsEchoOnOneEventLoop() throws Exception {
        Reliability.ensureFdHeadroom(CONNECTIONS, "the server side of " + CONNECTIONS + " connections");
        serverGroup = Reliability.uringGroup(1);
        ChildCounter counter = new ChildCounter();
        Channel server = new ServerBootstrap().group(serverGroup).channel(UringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter, Reliability.EchoHandler.INSTANCE);
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        long start = System.nanoTime();
        ChildJvm client = ChildJvm.run(130, List.of("-Xmx256m", "-XX:+UseSerialGC"), NioEchoLoad.class,
                address.getHostString(), String.valueOf(address.getPort()), String.valueOf(CONNECTIONS),
                String.valueOf(BYTES_PER_CONNECTION), "1000", "110");
        System.out.printf("%d connections on one loop: %s (%d ms)%n", CONNECTIONS, client.output.trim(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertEquals(0, client.exitCode, "the NIO client in the child JVM failed:\n" + client.output);
        assertTrue(client.output.contains("completed=" + CONNECTIONS + " "), client.output);
        assertEquals(CONNECTIONS, counter.maxActive.get(), "connections open at once on the server");
        assertEquals(CONNECTIONS, counter.accepted.get());
        Reliability.awaitCondition(20_000, () -> counter.active.get() == 0,
                () -> counter.active.get() + " server channels still open after the client process exited");
        server.close().sync();
    }

    /**
     * 256 MiB through one connection, the writer writing only while the channel is writable and resuming on
     * {@code channelWritabilityChanged}: back-pressure engages, the outbound buffer never holds more than the
     * high watermark plus one write, and the reader gets every byte in order.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void transfer256MiBWithWatermarkBackPressure() throws Exception {
        final long total = 256L << 20;
        final int chunk = 64 * 1024;
        final int low = 256 * 1024;
        final int high = 1024 * 1024;
        final long stream = 42;
        serverGroup = Reliability.uringGroup(1);
        clientGroup = Reliability.uringGroup(1);
        CompletableFuture<Void> failure = new CompletableFuture<>();
        CRC32C sentCrc = new CRC32C();
        long[] maxPending = new long[1];
        int[] unwritableFlips = new int[1];
        CompletableFuture<Long> writerDone = new CompletableFuture<>();

        Channel server = new ServerBootstrap().group(serverGroup).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(low, high))
                .childHandler(new ChannelInboundHandlerAdapter() {
                    private long sent;

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        pump(ctx);
                    }

                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        if (ctx.channel().isWritable()) {
                            pump(ctx);
                        } else {
                            unwritableFlips[0]++;
                        }
                    }

                    private void pump(ChannelHandlerContext ctx) {
                        Channel ch = ctx.channel();
                        byte[] bytes = new byte[chunk];
                        while (ch.isWritable() && sent < total) {
                            int n = (int) Math.min(chunk, total - sent);
                            Reliability.fillPattern(bytes, 0, n, stream, sent);
                            sentCrc.update(bytes, 0, n);
                            ByteBuf buf = ctx.alloc().directBuffer(n).writeBytes(bytes, 0, n);
                            ctx.write(buf).addListener(f -> {
                                if (!f.isSuccess()) {
                                    failure.completeExceptionally(f.cause());
                                }
                            });
                            sent += n;
                            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
                            if (out != null) {
                                maxPending[0] = Math.max(maxPending[0], out.totalPendingWriteBytes());
                            }
                        }
                        ctx.flush();
                        if (sent == total) {
                            writerDone.complete(sent);
                        }
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        failure.completeExceptionally(cause);
                        ctx.close();
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();

        CRC32C receivedCrc = new CRC32C();
        CompletableFuture<Long> received = new CompletableFuture<>();
        long start = System.nanoTime();
        Channel client = new Bootstrap().group(clientGroup).channel(UringSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    private long count;

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf buf = (ByteBuf) msg;
                        try {
                            int mismatch = Reliability.verifyPattern(buf, stream, count);
                            if (mismatch >= 0) {
                                received.completeExceptionally(new AssertionError(Reliability.mismatchMessage(
                                        "256 MiB transfer", stream, count + mismatch,
                                        buf.getByte(buf.readerIndex() + mismatch))));
                                ctx.close();
                                return;
                            }
                            receivedCrc.update(buf.nioBuffer());
                            count += buf.readableBytes();
                            if (count > total) {
                                received.completeExceptionally(new AssertionError("received " + count + " > " + total));
                            } else if (count == total) {
                                received.complete(count);
                            }
                        } finally {
                            buf.release();
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        received.completeExceptionally(new AssertionError("connection closed after " + count + " bytes"));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        received.completeExceptionally(cause);
                        ctx.close();
                    }
                })
                .connect(server.localAddress()).sync().channel();
        try {
            CompletableFuture.anyOf(received, failure).get(80, TimeUnit.SECONDS);
            assertEquals(total, (long) received.get());
            long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertEquals(total, (long) writerDone.get(5, TimeUnit.SECONDS));
            // The writer's CRC is complete once it wrote the last chunk; read it on its loop for visibility.
            long expectedCrc = server.eventLoop().submit(sentCrc::getValue).get();
            long maxPendingSeen = serverGroup.next().submit(() -> maxPending[0]).get();
            int flips = serverGroup.next().submit(() -> unwritableFlips[0]).get();
            System.out.printf("256 MiB in %d ms (%.0f MiB/s); crc32c=%08x; outbound buffer peak %d bytes"
                    + " (high watermark %d + chunk %d); became unwritable %d times%n",
                    millis, 256_000.0 / millis, receivedCrc.getValue(), maxPendingSeen, high, chunk, flips);
            assertEquals(expectedCrc, receivedCrc.getValue(), "CRC32C of what was written vs what was read");
            assertTrue(flips > 0, "the channel never became unwritable: back-pressure was not exercised");
            assertTrue(maxPendingSeen <= high + chunk, "outbound buffer held " + maxPendingSeen
                    + " bytes, more than the high watermark " + high + " plus one write " + chunk);
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }
}
