package org.iouring4j.transport.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The peer's end of input arriving while a write to it is stuck in the kernel, with half-closure off (Netty's
 * default): the channel must close once the write completes, and meanwhile stop reading. It once re-armed a RECV
 * that answered 0 at once, every loop iteration, firing channelReadComplete and allocating a buffer each time,
 * for as long as the peer took to drain the write.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EndOfInputDuringWriteTest {
    /** Far more than loopback's socket buffers hold, so the write stays in the kernel until the peer reads. */
    private static final int WRITE_BYTES = 32 << 20;

    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(group);
    }

    @Test
    void endOfInputWhileAWriteIsInFlightStopsReadingAndClosesOnceTheWriteIsDone() throws Exception {
        group = Reliability.uringGroup(1);
        AtomicInteger readCompletes = new AtomicInteger();
        CountDownLatch endOfInputSeen = new CountDownLatch(1);
        CompletableFuture<Channel> child = new CompletableFuture<>();
        CompletableFuture<ChannelFuture> write = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ByteBuf data = Reliability.writePattern(ctx.alloc().directBuffer(WRITE_BYTES),
                                        WRITE_BYTES, 7, 0);
                                write.complete(ctx.writeAndFlush(data));
                                child.complete(ctx.channel());
                            }

                            @Override
                            public void channelReadComplete(ChannelHandlerContext ctx) {
                                readCompletes.incrementAndGet();
                                endOfInputSeen.countDown(); // the client sends nothing: a read is the end of input
                            }
                        });
                    }
                }).bind(Reliability.LOOPBACK).sync().channel();

        try (SocketChannel client = SocketChannel.open((InetSocketAddress) server.localAddress())) {
            Channel serverSide = child.get(10, TimeUnit.SECONDS);
            ChannelFuture writeFuture = write.get(10, TimeUnit.SECONDS);
            client.shutdownOutput(); // FIN while the server's write waits for a reader
            assertTrue(endOfInputSeen.await(10, TimeUnit.SECONDS), "the end of input was never read");

            long iterationsBefore = Reliability.metrics(serverSide.eventLoop()).iterations();
            int readCompletesBefore = readCompletes.get();
            Thread.sleep(500); // a window to count in while the write stays stuck, not a synchronisation
            long iterations = Reliability.metrics(serverSide.eventLoop()).iterations() - iterationsBefore;
            int moreReadCompletes = readCompletes.get() - readCompletesBefore;
            System.out.println("during 500 ms of end-of-input with the write in flight: " + iterations
                    + " loop iterations, " + moreReadCompletes + " more channelReadComplete");
            assertTrue(serverSide.isOpen(), "closed before its write completed");
            assertEquals(0, moreReadCompletes, "reads went on after the end of input");
            assertTrue(iterations < 50, iterations + " loop iterations in 500 ms: the loop spins");

            // The client reads it all; the write completes and the channel closes (half-closure is off).
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long received = 0;
            for (int n; (n = client.read(buffer.clear())) >= 0; ) {
                int mismatch = Reliability.verifyPattern(buffer.array(), 0, n, 7, received);
                assertEquals(-1, mismatch, () -> "byte mismatch");
                received += n;
            }
            assertEquals(WRITE_BYTES, received, "bytes the client got before the server closed");
            assertTrue(writeFuture.await(10, TimeUnit.SECONDS) && writeFuture.isSuccess(),
                    "the write: " + writeFuture.cause());
            assertTrue(serverSide.closeFuture().await(10, TimeUnit.SECONDS), "never closed after the write");
        }
        server.close().sync();
    }
}
