package org.iouring4j.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link StreamReadMode#MULTISHOT}: one armed RECV per connection receives into the loop's provided-buffer ring.
 * Where the buffer ring is switched off (the build's floor-features run) the same tests run the RECV fallback and
 * check that nothing of the ring was set up.
 */
@ExtendWith(RequiresUring.class)
@Timeout(60)
class MultishotReadTest {
    private static final int BUFFER_SIZE = 16 * 1024;

    /** Many reads, one SQE: the receive stays armed while 1 MiB arrives in pieces. */
    @Test
    void oneArmedReceiveCarriesManyReads() throws Exception {
        byte[] payload = randomBytes(1 << 20);
        try (Server server = new Server(new UringIoHandlerConfig().bufferRingBufferSize(BUFFER_SIZE), true)) {
            try (Socket client = server.connect()) {
                server.accepted.get(10, TimeUnit.SECONDS);
                server.loopTasksDone(); // the accepted connection's first receive is in the kernel
                long submittedBefore = server.metrics().sqesSubmitted();
                OutputStream out = client.getOutputStream();
                for (int offset = 0; offset < payload.length; offset += 4096) {
                    out.write(payload, offset, 4096);
                }
                assertArrayEquals(payload, server.received(payload.length));
                long submitted = server.metrics().sqesSubmitted() - submittedBefore;
                int reads = server.reads.get();
                if (Uring.isBufferRingEnabled()) {
                    assertTrue(reads >= payload.length / BUFFER_SIZE, reads + " reads");
                    assertTrue(submitted * 4 <= reads, submitted + " SQEs for " + reads + " reads");
                } else {
                    assertTrue(submitted >= reads, "RECV fallback: " + submitted + " SQEs for " + reads + " reads");
                }
            }
        }
    }

    /** A ring of 2 small buffers runs dry again and again under 4 MiB; every byte still arrives, in order. */
    @Test
    void aRingThatRunsDryLosesNothing() throws Exception {
        byte[] payload = randomBytes(4 << 20);
        UringIoHandlerConfig config = new UringIoHandlerConfig().bufferRingEntries(2).bufferRingBufferSize(256);
        try (Server server = new Server(config, true)) {
            try (Socket client = server.connect()) {
                server.accepted.get(10, TimeUnit.SECONDS);
                client.getOutputStream().write(payload);
                assertArrayEquals(payload, server.received(payload.length));
                if (Uring.isBufferRingEnabled()) {
                    long exhausted = server.onLoop(() -> UringIoHandler.current().providedBuffers().exhaustedCount());
                    assertTrue(exhausted > 0, "the ring never ran dry: the test did not test ENOBUFS");
                }
            }
        }
    }

    /**
     * An incrementally consumed ring fills one buffer with successive receives: 300 messages of 16 B, each a receive
     * of its own, take 5 buffers of 4 KiB rather than 300, and the pieces handed out stay intact while later
     * receives fill the rest of their buffer.
     */
    @Test
    void smallReceivesShareAnIncrementalBuffer() throws Exception {
        int messages = 300;
        int size = 16;
        int entries = 4;
        byte[] payload = randomBytes(messages * size);
        UringIoHandlerConfig config = new UringIoHandlerConfig().bufferRingEntries(entries).bufferRingBufferSize(4096);
        try (Server server = new Server(config, true)) {
            server.holdBuffers = true;
            try (Socket client = server.connect()) {
                server.accepted.get(10, TimeUnit.SECONDS);
                OutputStream out = client.getOutputStream();
                for (int i = 0; i < messages; i++) {
                    out.write(payload, i * size, size);
                    server.received((i + 1) * size); // the next message is sent after this one was received
                }
                assertArrayEquals(payload, server.heldBytes());
                if (Uring.isBufferRingEnabled()) {
                    long allocated = server.onLoop(() -> UringIoHandler.current().providedBuffers().buffersAllocated());
                    long expected = Uring.isBufferRingIncrementalEnabled() ? entries + 1 : entries + messages;
                    assertEquals(expected, allocated, "buffers allocated for " + messages + " receives");
                }
            }
        }
    }

    /**
     * Auto-read switched off in {@code channelRead} cancels the armed receive: data sent afterwards waits in the
     * socket until {@code read()}, and switching auto-read on again re-arms it.
     */
    @Test
    void autoReadOffCancelsTheArmedReceiveAndReadingResumes() throws Exception {
        try (Server server = new Server(new UringIoHandlerConfig(), true)) {
            server.autoReadOffAfterFirstRead = true;
            try (Socket client = server.connect()) {
                Channel child = server.accepted.get(10, TimeUnit.SECONDS);
                OutputStream out = client.getOutputStream();
                out.write('A');
                assertArrayEquals(new byte[] {'A'}, server.received(1));
                // Two round trips through the loop: the cancel queued by channelRead has been submitted.
                server.loopTasksDone();
                server.loopTasksDone();
                out.write('B');
                out.flush();
                // Nothing may arrive now; a short bounded wait is the only way to see an absence.
                Thread.sleep(200);
                assertEquals(1, server.bytes.size(), "read with auto-read off and no read() asked for");
                child.read();
                assertArrayEquals(new byte[] {'A', 'B'}, server.received(2));
                child.config().setAutoRead(true);
                server.autoReadOffAfterFirstRead = false;
                out.write('C');
                assertArrayEquals(new byte[] {'A', 'B', 'C'}, server.received(3));
            }
        }
    }

    /**
     * Idle connections hold no read buffer: 64 accepted connections waiting for data have taken nothing from the
     * channel's allocator (RECV mode, for contrast, holds one buffer per connection).
     */
    @Test
    void idleConnectionsHoldNoReadBuffer() throws Exception {
        long multishot = heldByIdleConnections(StreamReadMode.MULTISHOT);
        if (Uring.isBufferRingEnabled()) {
            assertEquals(0, multishot, "bytes of read buffers held by 64 idle MULTISHOT connections");
        }
        assertTrue(heldByIdleConnections(StreamReadMode.RECV) >= 64, "RECV mode holds a buffer per idle connection");
    }

    private static long heldByIdleConnections(StreamReadMode mode) throws Exception {
        UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(true);
        try (Server server = new Server(new UringIoHandlerConfig(), mode, allocator)) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 64; i++) {
                    clients.add(server.connect());
                }
                assertTrue(server.activeLatch.await(10, TimeUnit.SECONDS), "64 connections accepted");
                server.loopTasksDone();
                return allocator.metric().usedDirectMemory();
            } finally {
                for (Socket client : clients) {
                    client.close();
                }
                // The server sees every close before its loop shuts down.
                assertTrue(server.inactiveLatch.await(10, TimeUnit.SECONDS), "64 connections closed");
            }
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }

    /** A one-loop server whose connections read in a given mode and collect what they receive. */
    private static final class Server implements AutoCloseable {
        final MultiThreadIoEventLoopGroup group;
        final Channel channel;
        final CompletableFuture<Channel> accepted = new CompletableFuture<>();
        final CountDownLatch activeLatch = new CountDownLatch(64);
        final CountDownLatch inactiveLatch = new CountDownLatch(64);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger reads = new AtomicInteger();
        volatile boolean autoReadOffAfterFirstRead;
        /** Keeps every received buffer unreleased until {@link #close()}, to check them after later receives. */
        volatile boolean holdBuffers;
        final List<ByteBuf> held = new ArrayList<>();

        Server(UringIoHandlerConfig config, boolean multishot) throws InterruptedException {
            this(config, multishot ? StreamReadMode.MULTISHOT : StreamReadMode.RECV, null);
        }

        Server(UringIoHandlerConfig config, StreamReadMode mode, UnpooledByteBufAllocator allocator)
                throws InterruptedException {
            group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory(config));
            ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childOption(UringChannelOption.STREAM_READ_MODE, mode)
                    .childHandler(new Collector());
            if (allocator != null) {
                bootstrap.childOption(ChannelOption.ALLOCATOR, allocator);
            }
            channel = bootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        }

        /** Every connection's handler: shared, as the test reads what all of them received. */
        @ChannelHandler.Sharable
        private final class Collector extends ChannelInboundHandlerAdapter {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                accepted.complete(ctx.channel());
                activeLatch.countDown();
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                inactiveLatch.countDown();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                byte[] chunk = new byte[buf.readableBytes()];
                buf.getBytes(buf.readerIndex(), chunk);
                if (holdBuffers) {
                    synchronized (held) {
                        held.add(buf); // before its bytes count as received: the test reads both then
                    }
                } else {
                    buf.release();
                }
                synchronized (bytes) {
                    bytes.writeBytes(chunk);
                    bytes.notifyAll();
                }
                reads.incrementAndGet();
                if (autoReadOffAfterFirstRead) {
                    ctx.channel().config().setAutoRead(false);
                }
            }
        }

        Socket connect() throws Exception {
            InetSocketAddress address = (InetSocketAddress) channel.localAddress();
            return new Socket(address.getAddress(), address.getPort());
        }

        /** Waits until {@code n} bytes have arrived; returns them. */
        byte[] received(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            synchronized (bytes) {
                while (bytes.size() < n) {
                    long left = deadline - System.nanoTime();
                    assertTrue(left > 0, "only " + bytes.size() + " of " + n + " bytes arrived");
                    TimeUnit.NANOSECONDS.timedWait(bytes, left);
                }
                return bytes.toByteArray();
            }
        }

        /** The bytes of the held buffers, in the order they were received, read from them now. */
        byte[] heldBytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            synchronized (held) {
                for (ByteBuf buf : held) {
                    byte[] chunk = new byte[buf.readableBytes()];
                    buf.getBytes(buf.readerIndex(), chunk);
                    out.writeBytes(chunk);
                }
            }
            return out.toByteArray();
        }

        EventLoop loop() {
            return channel.eventLoop();
        }

        <T> T onLoop(Callable<T> task) throws Exception {
            return loop().submit(task).get(10, TimeUnit.SECONDS);
        }

        void loopTasksDone() throws Exception {
            onLoop(() -> null);
        }

        UringIoHandlerMetrics metrics() throws Exception {
            return onLoop(() -> UringIoHandler.current().metrics());
        }

        @Override
        public void close() throws InterruptedException {
            channel.close().sync();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
            synchronized (held) {
                held.forEach(ByteBuf::release);
            }
        }
    }
}
