package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringDatagramChannel;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A channel deregistered from one loop and registered with another while ops are in the kernel: the old loop's
 * ring must be drained of them first, and the new loop must then go on with them. Deregistration once completed
 * at once: the cancelled write was never resumed, a read could stall, and completions of the old loop touched the
 * channel while the new loop owned it.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MoveBetweenLoopsTest {
    private EventLoopGroup first;
    private EventLoopGroup second;
    private ServerSocketChannel listener;

    @AfterEach
    void shutdown() throws IOException {
        Reliability.shutdown(first, second);
        if (listener != null) {
            listener.close();
        }
    }

    /** Receives pattern stream 9, checking each byte and that every read runs on the channel's current loop. */
    private static final class PatternReceiver extends ChannelInboundHandlerAdapter {
        final AtomicLong received = new AtomicLong();
        final AtomicReference<String> error = new AtomicReference<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                if (!ctx.channel().eventLoop().inEventLoop()) {
                    error.compareAndSet(null, "a read delivered off the channel's loop");
                }
                long offset = received.get();
                int mismatch = Reliability.verifyPattern(buf, 9, offset);
                if (mismatch >= 0) {
                    error.compareAndSet(null, "byte mismatch at " + (offset + mismatch));
                }
                received.addAndGet(buf.readableBytes());
            } finally {
                buf.release();
            }
        }
    }

    private Channel connect(EventLoopGroup group, PatternReceiver receiver) throws Exception {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        return new Bootstrap().group(group).channel(UringSocketChannel.class).handler(receiver)
                .connect(listener.getLocalAddress()).sync().channel();
    }

    private static void move(Channel channel, EventLoop to) throws Exception {
        assertTrue(channel.deregister().await(10, TimeUnit.SECONDS), "deregistration did not complete");
        ChannelFuture registered = to.register(channel);
        assertTrue(registered.await(10, TimeUnit.SECONDS) && registered.isSuccess(),
                "registration with the new loop: " + registered.cause());
        assertSame(to, channel.eventLoop());
    }

    @Test
    void aWriteAndAReadInTheKernelWhenTheChannelMovesGoOnFromTheNewLoop() throws Exception {
        first = Reliability.uringGroup(1);
        second = Reliability.uringGroup(1);
        PatternReceiver receiver = new PatternReceiver();
        Channel channel = connect(first, receiver);
        try (SocketChannel peer = listener.accept()) {
            int writeBytes = 16 << 20; // more than loopback buffers hold: the write waits for the peer to read
            ByteBuf data = Reliability.writePattern(channel.alloc().directBuffer(writeBytes), writeBytes, 5, 0);
            ChannelFuture write = channel.writeAndFlush(data);
            move(channel, second.next());

            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long got = 0;
            while (got < writeBytes) {
                int n = peer.read(buffer.clear());
                assertTrue(n > 0, "the peer's input ended after " + got + " bytes");
                assertEquals(-1, Reliability.verifyPattern(buffer.array(), 0, n, 5, got), "byte mismatch");
                got += n;
            }
            assertTrue(write.await(10, TimeUnit.SECONDS) && write.isSuccess(), "the write: " + write.cause());

            int readBytes = 1 << 20;
            writePattern(peer, readBytes, 0);
            Reliability.awaitCondition(10_000, () -> receiver.received.get() == readBytes,
                    () -> "the moved channel received " + receiver.received.get() + " of " + readBytes + " bytes");
            assertNull(receiver.error.get());
        } finally {
            channel.close().sync();
        }
    }

    /**
     * A peer streams while the channel moves back and forth twenty times: whatever completes during a drain (a
     * read that got data before its cancel) is delivered by the next loop, so every byte arrives, in order.
     */
    @Test
    void everyByteArrivesInOrderAcrossManyMoves() throws Exception {
        first = Reliability.uringGroup(1);
        second = Reliability.uringGroup(1);
        PatternReceiver receiver = new PatternReceiver();
        Channel channel = connect(first, receiver);
        long total = 64L << 20;
        try (SocketChannel peer = listener.accept()) {
            CompletableFuture<Void> streaming = CompletableFuture.runAsync(() -> {
                try {
                    writePattern(peer, total, 0);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            EventLoop[] loops = {second.next(), first.next()};
            for (int i = 0; i < 20; i++) {
                move(channel, loops[i % 2]);
            }
            streaming.get(30, TimeUnit.SECONDS);
            Reliability.awaitCondition(20_000, () -> receiver.received.get() == total,
                    () -> "received " + receiver.received.get() + " of " + total + " bytes");
            assertNull(receiver.error.get());
        } finally {
            channel.close().sync();
        }
    }

    /**
     * Deregistered with a read in the kernel and closed before any new registration: the socket is closed once
     * the cancelled read has completed on the old loop (the peer sees the end of input), and nothing leaks.
     */
    @Test
    void aChannelClosedWhileItsOldLoopDrainsClosesItsSocket() throws Exception {
        first = Reliability.uringGroup(1);
        PatternReceiver receiver = new PatternReceiver();
        Channel channel = connect(first, receiver);
        try (SocketChannel peer = listener.accept()) {
            assertTrue(channel.deregister().await(10, TimeUnit.SECONDS));
            assertTrue(channel.close().await(10, TimeUnit.SECONDS));
            peer.socket().setSoTimeout(10_000);
            assertEquals(-1, peer.socket().getInputStream().read(), "the peer did not see the socket close");
        }
    }

    /**
     * A datagram channel with auto-read off and one read asked for, moved while that receive waits in the kernel:
     * the move cancels it, and the new loop must submit it again (Netty re-reads on registration only with
     * auto-read on), so the next datagram still arrives, and a send from the new loop reaches the peer.
     */
    @Test
    void aDatagramReadAskedForBeforeAMoveIsServedByTheNewLoop() throws Exception {
        first = Reliability.uringGroup(1);
        second = Reliability.uringGroup(1);
        BlockingQueue<DatagramPacket> received = new LinkedBlockingQueue<>();
        Channel channel = new Bootstrap().group(first).channel(UringDatagramChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        received.add(packet.retain());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        try (DatagramChannel peer = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            channel.read();
            move(channel, second.next());
            peer.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), channel.localAddress());
            DatagramPacket packet = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(packet, "the read asked for before the move was not served after it");
            try {
                assertEquals(3, packet.content().readableBytes());
                assertEquals(peer.getLocalAddress(), packet.sender());
            } finally {
                packet.release();
            }

            ByteBuf reply = Unpooled.wrappedBuffer(new byte[] {4, 5});
            channel.writeAndFlush(new DatagramPacket(reply, (InetSocketAddress) peer.getLocalAddress())).sync();
            ByteBuffer got = ByteBuffer.allocate(16);
            peer.receive(got);
            assertEquals(2, got.flip().remaining());
        } finally {
            channel.close().sync();
        }
    }

    private static void writePattern(SocketChannel peer, long bytes, long offset) throws IOException {
        byte[] chunk = new byte[1 << 16];
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(chunk.length, bytes - done);
            Reliability.fillPattern(chunk, 0, n, 9, offset + done);
            ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
            while (buffer.hasRemaining()) {
                peer.write(buffer);
            }
            done += n;
        }
    }
}
