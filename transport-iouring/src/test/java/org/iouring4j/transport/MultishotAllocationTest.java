package org.iouring4j.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A multishot receive allocates nothing on the event loop's heap: the buffer comes from the ring, and an
 * incremental ring's slice of it from the pooled allocator's recycler (Netty 4.2's default adaptive allocator
 * allocated a 40-byte slice object per receive here). Leak detection is off while it runs, because a tracked
 * buffer's every slice is a new tracking wrapper.
 */
@ExtendWith(RequiresUring.class)
@Timeout(60)
class MultishotAllocationTest {
    private static final int MESSAGES = 5_000;
    private static final int SIZE = 64;

    @Test
    void aReceiveAllocatesNothingOnTheLoop() throws Exception {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        try {
            Counter counter = new Counter();
            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childOption(UringChannelOption.STREAM_READ_MODE, StreamReadMode.MULTISHOT)
                    .childHandler(counter).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            try (Socket client = new Socket(address.getAddress(), address.getPort())) {
                client.setTcpNoDelay(true);
                OutputStream out = client.getOutputStream();
                byte[] message = new byte[SIZE];
                double fewest = Double.MAX_VALUE;
                for (int round = 0; round < 5; round++) { // the first warms up: class loading, pools, JIT
                    long bytesBefore = counter.bytes;
                    long[] before = server.eventLoop().submit(() -> new long[] {allocatedBytes(), counter.reads})
                            .get(10, TimeUnit.SECONDS);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    for (int i = 1; i <= MESSAGES; i++) {
                        out.write(message);
                        // Each message a receive of its own, so that what is fixed per round divides into many.
                        long expected = bytesBefore + (long) i * SIZE;
                        while (counter.bytes < expected) {
                            assertTrue(System.nanoTime() < deadline, counter.bytes + " of " + expected + " bytes read");
                            Thread.onSpinWait();
                        }
                    }
                    long[] after = server.eventLoop().submit(() -> new long[] {allocatedBytes(), counter.reads})
                            .get(10, TimeUnit.SECONDS);
                    long reads = after[1] - before[1];
                    long allocated = after[0] - before[0];
                    double perRead = allocated / (double) reads;
                    System.out.printf("multishot receive, incremental ring %s: %d reads, %.1f bytes allocated per"
                            + " read on the loop%n", Uring.isBufferRingIncrementalEnabled(), reads, perRead);
                    if (round > 0) {
                        fewest = Math.min(fewest, perRead);
                    }
                }
                // What a round costs once (the two submitted tasks; now and then a pool topping up, up to 40 KiB)
                // is spread over 5,000 reads; a slice object per read would cost 40 B in every round.
                assertTrue(fewest < 8, fewest + " bytes allocated per read in the best of 4 rounds");
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
            ResourceLeakDetector.setLevel(level);
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** Counts what the connection reads; loop thread only, read by the test after the loop published it. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Counter extends ChannelInboundHandlerAdapter {
        volatile long bytes;
        volatile long reads;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            reads++;
            bytes += buf.readableBytes();
            buf.release();
        }
    }
}
