package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes issued from inside a write's completion: a promise listener or a {@code channelWritabilityChanged}
 * handler that writes and flushes while the transport is still removing the buffers one write wrote. Netty's
 * own transports make such a nested flush a no-op ({@code inFlush0}) until the written buffers are removed; a
 * transport that submits the nested flush at once sends the not-yet-removed buffers a second time.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class WriteReentrancyTest {
    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(group);
    }

    /**
     * Three buffers gathered into one WRITEV; the first one's listener writes a fourth. The peer must read
     * the four patterns in order, each once.
     */
    @Test
    void writeAndFlushFromAListenerOfAGatheredWriteSendsEachByteOnce() throws Exception {
        group = Reliability.uringGroup(1);
        final int part = 1000;
        final long stream = 7;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Channel ch = new Bootstrap().group(group).channel(UringSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(listener.getLocalSocketAddress()).sync().channel();
            try (Socket peer = listener.accept()) {
                peer.setSoTimeout(10_000);
                CompletableFuture<Throwable> nested = new CompletableFuture<>();
                ch.eventLoop().execute(() -> {
                    ch.write(pattern(stream, 0, part)).addListener(f ->
                            ch.writeAndFlush(pattern(stream, 3L * part, part))
                                    .addListener(g -> nested.complete(g.cause())));
                    ch.write(pattern(stream, part, part));
                    ch.write(pattern(stream, 2L * part, part));
                    ch.flush();
                });
                assertEquals(null, nested.get(10, TimeUnit.SECONDS));
                byte[] expected = new byte[4 * part];
                Reliability.fillPattern(expected, 0, expected.length, stream, 0);
                byte[] got = peer.getInputStream().readNBytes(expected.length);
                int mismatch = java.util.Arrays.mismatch(expected, got);
                assertEquals(-1, mismatch, mismatch < 0 ? "" : Reliability.mismatchMessage(
                        "listener-nested write", stream, mismatch, got[mismatch]));
                ch.close().sync();
                assertEquals(-1, peer.getInputStream().read(), "bytes after the four writes (duplicated data)");
            }
        }
    }

    /**
     * A writer that refills from {@code channelWritabilityChanged}: the refill happens while the completion
     * of a WRITEV that drained the buffer below the low watermark is still removing written buffers.
     */
    @Test
    void refillFromWritabilityChangedSendsEachByteOnce() throws Exception {
        group = Reliability.uringGroup(1);
        final int chunk = 8 * 1024;
        final long total = 16L << 20;
        final long stream = 8;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Throwable> writeFailure = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(UringSocketChannel.class)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 * chunk, 8 * chunk))
                    .handler(new ChannelInboundHandlerAdapter() {
                        private long sent;

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            pump(ctx);
                        }

                        @Override
                        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                            pump(ctx);
                        }

                        private void pump(ChannelHandlerContext ctx) {
                            while (ctx.channel().isWritable() && sent < total) {
                                ctx.write(pattern(stream, sent, chunk)).addListener(f -> {
                                    if (!f.isSuccess()) {
                                        writeFailure.complete(f.cause());
                                    }
                                });
                                sent += chunk;
                            }
                            ctx.flush();
                        }
                    })
                    .connect(listener.getLocalSocketAddress()).sync().channel();
            try (Socket peer = listener.accept()) {
                peer.setSoTimeout(10_000);
                InputStream in = peer.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long received = 0;
                while (received < total) {
                    int n = in.read(buf);
                    assertTrue(n > 0, "EOF after " + received + " bytes");
                    int mismatch = Reliability.verifyPattern(buf, 0, n, stream, received);
                    assertEquals(-1, mismatch, mismatch < 0 ? "" : Reliability.mismatchMessage(
                            "writability-refilled stream", stream, received + mismatch, buf[mismatch]));
                    received += n;
                }
                assertEquals(total, received);
                assertTrue(!writeFailure.isDone(), () -> "a write failed: " + writeFailure.join());
            } finally {
                ch.close().awaitUninterruptibly(10, TimeUnit.SECONDS); // not sync(): keep the assertion's failure
            }
        }
    }

    private static ByteBuf pattern(long stream, long offset, int length) {
        return Reliability.writePattern(Unpooled.directBuffer(length), length, stream, offset);
    }
}
