package org.iouring4j.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link UringChannelOption#STREAM_READ_MODE}: RECV reads one buffer per op, READV scatters into several. */
@ExtendWith(RequiresUring.class)
@Timeout(30)
class StreamReadModeTest {
    private static final int BUFFER_BYTES = 1024;
    /** 32 buffers' worth, queued before the server reads: READV takes it in 1+2+4+8+16 buffers, then 1. */
    private static final int PAYLOAD_BYTES = 32 * BUFFER_BYTES;

    @Test
    void readvScattersQueuedDataIntoSeveralBuffersPerOp() throws Exception {
        ReadCount count = readQueuedPayload(StreamReadMode.READV);
        assertEquals(PAYLOAD_BYTES / BUFFER_BYTES, count.buffers, "one channelRead per full buffer");
        // 6 reads carry the 32 buffers; the rest of the completions are the two tasks the test hands the loop.
        assertTrue(count.completions <= 10, "READV: " + count.completions + " completions for " + count.buffers
                + " buffers");
    }

    @Test
    void recvReadsOneBufferPerOp() throws Exception {
        ReadCount count = readQueuedPayload(StreamReadMode.RECV);
        assertEquals(PAYLOAD_BYTES / BUFFER_BYTES, count.buffers, "one channelRead per full buffer");
        assertTrue(count.completions >= count.buffers, "RECV: " + count.completions + " completions for "
                + count.buffers + " buffers");
    }

    /**
     * A read loop takes no more buffers than the allocator's {@code maxMessagesPerRead}, also when a scatter read
     * could take more: with 2 allowed, the first read loop over a full socket delivers 2, not 1 + 2.
     */
    @Test
    @SuppressWarnings("deprecation") // RCVBUF_ALLOCATOR: deprecated in 4.2, still how a fixed buffer size is asked for
    void aScatterReadStaysWithinTheMessagesTheAllocatorAllowsPerReadLoop() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        CompletableFuture<Integer> firstLoop = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childOption(UringChannelOption.STREAM_READ_MODE, StreamReadMode.READV)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(BUFFER_BYTES).maxMessagesPerRead(2))
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        private int reads;

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            accepted.complete(ctx.channel());
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            reads++;
                            ((ByteBuf) msg).release();
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            firstLoop.complete(reads);
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            try (Socket client = new Socket(address.getAddress(), address.getPort())) {
                Channel child = accepted.get(10, TimeUnit.SECONDS);
                client.getOutputStream().write(new byte[PAYLOAD_BYTES]);
                child.config().setAutoRead(true); // with auto-read off, Netty's handles end a loop after one read
                assertEquals(2, firstLoop.get(10, TimeUnit.SECONDS), "channelReads of one read loop");
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void theOptionIsSetAndReadBackAndItsDefaultIsTheSystemProperty() throws Exception {
        UringSocketChannel channel = new UringSocketChannel();
        try {
            assertEquals(StreamReadMode.fromProperty(System.getProperty(StreamReadMode.PROPERTY)),
                    channel.config().getOption(UringChannelOption.STREAM_READ_MODE));
            assertTrue(channel.config().setOption(UringChannelOption.STREAM_READ_MODE, StreamReadMode.READV));
            assertEquals(StreamReadMode.READV, channel.config().getOption(UringChannelOption.STREAM_READ_MODE));
            assertEquals(StreamReadMode.READV, channel.config().getOptions().get(UringChannelOption.STREAM_READ_MODE));
        } finally {
            channel.unsafe().closeForcibly();
        }
        assertEquals(StreamReadMode.MULTISHOT, StreamReadMode.fromProperty(null));
        assertEquals(StreamReadMode.READV, StreamReadMode.fromProperty(" ReadV"));
        assertEquals(StreamReadMode.MULTISHOT, StreamReadMode.fromProperty("multishot"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamReadMode.fromProperty("scatter"));
        assertEquals("system property iouring4j.streamReadMode=scatter: expected one of [recv, readv, multishot]",
                e.getMessage());
    }

    private record ReadCount(int buffers, long completions) {
    }

    /**
     * Queues {@link #PAYLOAD_BYTES} on an accepted connection whose auto-read is off, then lets the server read it
     * all: the buffers it took, and the completions its loop reaped meanwhile (its reads, and the test's tasks).
     */
    @SuppressWarnings("deprecation") // RCVBUF_ALLOCATOR: deprecated in 4.2, still how a fixed buffer size is asked for
    private static ReadCount readQueuedPayload(StreamReadMode mode) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        byte[] payload = new byte[PAYLOAD_BYTES];
        new Random(42).nextBytes(payload);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        CompletableFuture<Integer> allRead = new CompletableFuture<>();
        try {
            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childOption(UringChannelOption.STREAM_READ_MODE, mode)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(BUFFER_BYTES).maxMessagesPerRead(64))
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        private int buffers;

                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            accepted.complete(ctx.channel());
                        }

                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            try {
                                buffers++;
                                byte[] bytes = new byte[buf.readableBytes()];
                                buf.readBytes(bytes);
                                received.writeBytes(bytes);
                                if (received.size() == PAYLOAD_BYTES) {
                                    allRead.complete(buffers);
                                }
                            } finally {
                                buf.release();
                            }
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            try (Socket client = new Socket(address.getAddress(), address.getPort())) {
                Channel child = accepted.get(10, TimeUnit.SECONDS);
                // The write returns once the kernel holds all of it: it is queued before the server reads.
                client.getOutputStream().write(payload);
                long before = child.eventLoop().submit(() -> {
                    long cqes = UringIoHandler.current().metrics().cqesReaped();
                    child.config().setAutoRead(true);
                    return cqes;
                }).get(10, TimeUnit.SECONDS);
                int buffers = allRead.get(10, TimeUnit.SECONDS);
                long after = child.eventLoop().submit(() -> UringIoHandler.current().metrics().cqesReaped())
                        .get(10, TimeUnit.SECONDS);
                assertArrayEquals(payload, received.toByteArray(), "the bytes, in order");
                return new ReadCount(buffers, after - before);
            } finally {
                server.close().sync();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }
}
