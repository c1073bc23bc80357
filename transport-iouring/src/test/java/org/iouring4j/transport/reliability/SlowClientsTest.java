package org.iouring4j.transport.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slow and hostile clients: hundreds of connections dribbling a request byte by byte must not starve a normal
 * client; a client that never reads must make the channel unwritable and leave the server's memory bounded,
 * and everything must be released once it goes away.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlowClientsTest {
    private static final int SLOWLORIS_CONNECTIONS = 500;

    private EventLoopGroup group;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void shutdown() {
        clients.forEach(Reliability::closeQuietly);
        Reliability.shutdown(group);
    }

    /**
     * A request is everything up to an empty line; the answer is {@code "OK <length> <crc32>\n"}. A slowloris
     * client never finishes its request, so the server must hold its partial state as long as it dribbles.
     */
    private static final class RequestHandler extends ChannelInboundHandlerAdapter {
        private final ByteBuf request = io.netty.buffer.Unpooled.buffer();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                while (in.isReadable()) {
                    byte b = in.readByte();
                    request.writeByte(b);
                    int n = request.readableBytes();
                    if (b == '\n' && n >= 2 && request.getByte(n - 2) == '\n') {
                        byte[] bytes = new byte[n];
                        request.readBytes(bytes);
                        request.clear();
                        CRC32 crc = new CRC32();
                        crc.update(bytes);
                        ctx.write(ctx.alloc().buffer().writeBytes(
                                ("OK " + n + " " + Long.toHexString(crc.getValue()) + "\n").getBytes(StandardCharsets.US_ASCII)));
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            request.release();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Test
    void slowlorisConnectionsDoNotStarveANormalClient() throws Exception {
        group = Reliability.uringGroup(1);
        ChildCounter counter = new ChildCounter();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter, new RequestHandler());
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        normalClient(address, 1, 20); // warm-up: first-use costs (class loading, JIT) are not what is measured
        Reliability.awaitCondition(5000, () -> counter.active.get() == 0, () -> "warm-up connection still open");

        List<SocketChannel> slow = new ArrayList<>();
        for (int i = 0; i < SLOWLORIS_CONNECTIONS; i++) {
            SocketChannel ch = SocketChannel.open(address);
            clients.add(ch);
            slow.add(ch);
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong dribbled = new AtomicLong();
        CountDownLatch dribbling = new CountDownLatch(20);
        CompletableFuture<Void> dribbler = CompletableFuture.runAsync(() -> {
            byte[] header = "GET /slow HTTP/1.1\nX-Padding: ".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer one = ByteBuffer.allocate(1);
            try {
                // Bounded: at most 3000 rounds of one byte per connection, every 25 ms: 20,000 one-byte reads a
                // second on the server, a load a CPU-starved 2-core machine still serves (at every 10 ms the loop
                // fell seconds behind there, which is the machine, not the slow clients).
                for (int round = 0; round < 3000 && !stop.get(); round++) {
                    byte b = round < header.length ? header[round] : (byte) 'a';
                    for (SocketChannel ch : slow) {
                        one.clear();
                        one.put(0, b);
                        ch.write(one);
                    }
                    dribbled.addAndGet(slow.size());
                    dribbling.countDown();
                    Thread.sleep(25);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("slowloris dribbler failed", e);
            }
        });
        try {
            assertTrue(dribbling.await(20, TimeUnit.SECONDS), "the slowloris clients never got going");
            // What is measured is a normal client among slowloris connections the server holds, not how fast the
            // server drains its accept queue of them: with single-shot accepts (the floor-features run) on a
            // CPU-starved machine, the last of 500 was seen accepted seconds after its connect.
            Reliability.awaitCondition(20_000, () -> counter.active.get() == SLOWLORIS_CONNECTIONS,
                    () -> counter.active.get() + " of the " + SLOWLORIS_CONNECTIONS + " slowloris connections accepted");
            long[] latencies = normalClient(address, 10, 20);
            Arrays.sort(latencies);
            long max = latencies[latencies.length - 1];
            System.out.printf("normal client among %d slowloris connections (%d bytes dribbled so far):"
                    + " %d requests, median %.2f ms, p99 %.2f ms, max %.2f ms%n", SLOWLORIS_CONNECTIONS,
                    dribbled.get(), latencies.length, latencies[latencies.length / 2] / 1e6,
                    latencies[latencies.length * 99 / 100] / 1e6, max / 1e6);
            assertTrue(max < TimeUnit.SECONDS.toNanos(2), "a normal request took " + max / 1_000_000 + " ms");
            assertTrue(!dribbler.isDone(), "the slowloris clients stopped before the normal client finished");
            Reliability.awaitCondition(5000, () -> counter.active.get() == SLOWLORIS_CONNECTIONS,
                    () -> counter.active.get() + " connections open on the server, expected the "
                            + SLOWLORIS_CONNECTIONS + " slowloris ones");
        } finally {
            stop.set(true);
            dribbler.exceptionally(t -> null).get(10, TimeUnit.SECONDS);
        }
        dribbler.get(); // rethrows a dribbler failure (e.g. the server reset a slow connection)
        for (SocketChannel ch : slow) {
            ch.close();
        }
        Reliability.awaitCondition(10_000, () -> counter.active.get() == 0,
                () -> counter.active.get() + " server channels still open after the slowloris clients left");
        server.close().sync();
    }

    /** {@code connections} fresh connections, {@code requests} requests on each; returns every latency. */
    private long[] normalClient(InetSocketAddress address, int connections, int requests) throws IOException {
        long[] latencies = new long[connections * requests];
        int k = 0;
        for (int c = 0; c < connections; c++) {
            try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
                socket.setSoTimeout(10_000);
                socket.setTcpNoDelay(true);
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                        StandardCharsets.US_ASCII));
                for (int r = 0; r < requests; r++) {
                    byte[] request = ("GET /normal/" + c + "/" + r + " HTTP/1.1\nHost: test\n\n")
                            .getBytes(StandardCharsets.US_ASCII);
                    CRC32 crc = new CRC32();
                    crc.update(request);
                    long start = System.nanoTime();
                    socket.getOutputStream().write(request);
                    String response = in.readLine();
                    latencies[k++] = System.nanoTime() - start;
                    if (latencies[k - 1] > 100_000_000L) {
                        System.out.printf("slow request: connection %d request %d took %.1f ms%n", c, r, latencies[k - 1] / 1e6);
                    }
                    assertEquals("OK " + request.length + " " + Long.toHexString(crc.getValue()), response);
                }
            }
        }
        return latencies;
    }

    @Test
    void clientThatNeverReadsMakesTheChannelUnwritableAndMemoryStaysBounded() throws Exception {
        final int chunk = 16 * 1024;
        final int low = 32 * 1024;
        final int high = 64 * 1024;
        group = Reliability.uringGroup(1);
        CompletableFuture<PatternWriter> writerFuture = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(low, high))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PatternWriter writer = new PatternWriter(9, Long.MAX_VALUE, chunk, false).startOnActive();
                        ch.pipeline().addLast(writer);
                        writerFuture.complete(writer);
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        try {
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            Map<Integer, String> fdsBefore = Reliability.describeFds();
            Socket sink = new Socket();
            clients.add(sink);
            sink.setReceiveBufferSize(16 * 1024);
            sink.connect(address);
            PatternWriter writer = writerFuture.get(10, TimeUnit.SECONDS);
            writer.becameUnwritable.get(10, TimeUnit.SECONDS);
            Channel child = writer.channel;
            // Taken once the connection reads (a MULTISHOT loop sets its buffer ring up for the first one), i.e.
            // after a task queued behind its activation has run.
            child.eventLoop().submit(() -> null).get(10, TimeUnit.SECONDS);
            long nativeBefore = Reliability.nativeBytes();

            // Keep the client stuck for a while: the kernel's buffers fill (TCP's persist timer makes that
            // progress come in bursts) and the writer must stay behind the watermark throughout.
            Thread.sleep(1000);
            Reliability.awaitCondition(5000, () -> !child.isWritable(),
                    () -> "the channel became writable again although the client never reads");
            long maxPending = writer.maxPendingBytes();
            long pendingAtClose = pending(child);
            System.out.printf("never-reading client: %d bytes queued in all, %d still in the outbound buffer;"
                    + " outbound buffer peak %d bytes (high watermark %d + one write %d)%n", writer.sent(),
                    pendingAtClose, maxPending, high, chunk);
            assertTrue(maxPending <= high + chunk, "outbound buffer held " + maxPending + " bytes, above the high"
                    + " watermark " + high + " plus one write " + chunk);
            assertEquals(nativeBefore, Reliability.nativeBytes(), "native memory grew while the writer was stalled");

            sink.close(); // with our data unread: the peer's kernel resets the connection
            writer.closed.get(10, TimeUnit.SECONDS);
            Reliability.awaitCondition(5000, () -> writer.unreleased() == 0,
                    () -> writer.unreleased() + " of " + writer.written.size() + " written buffers never released");
            Reliability.awaitCondition(5000, () -> Reliability.openFdCount() == fdsBefore.size(),
                    () -> "fds: " + Reliability.openFdCount() + " open after the client left, " + fdsBefore.size()
                            + " before: " + Reliability.fdDiff(fdsBefore, Reliability.describeFds()));
            Reliability.awaitCondition(5000, () -> writer.succeeded.get() + writer.failed.get() == writer.written.size(),
                    () -> "write promises: " + writer.written.size() + " writes, " + writer.succeeded.get()
                            + " succeeded, " + writer.failed.get() + " failed, the rest never completed");
        } finally {
            server.close().sync();
        }
    }

    private static long pending(Channel ch) {
        try {
            return ch.eventLoop().submit(() -> {
                io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
                return out == null ? 0L : out.totalPendingWriteBytes();
            }).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
