package org.iouring4j.transport.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.Uring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What each accepted connection costs beyond its I/O: no native memory for its socket options and addresses
 * (they once allocated and freed some, with a global atomic update, per call), and one channelReadComplete per
 * batch of accepted connections rather than one per connection.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PerConnectionCostTest {
    private EventLoopGroup group;
    private final List<SocketChannel> clients = new ArrayList<>();

    @AfterEach
    void shutdown() {
        clients.forEach(Reliability::closeQuietly);
        Reliability.shutdown(group);
    }

    /** Reads each child's options and addresses, as handlers commonly do. */
    @ChannelHandler.Sharable
    private static final class OptionReader extends ChannelInboundHandlerAdapter {
        final AtomicInteger active = new AtomicInteger();

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (ch.localAddress() != null && ch.remoteAddress() != null
                    && ch.config().getOption(ChannelOption.SO_RCVBUF) > 0
                    && Boolean.TRUE.equals(ch.config().getOption(ChannelOption.TCP_NODELAY))) {
                active.incrementAndGet();
            }
            ctx.fireChannelActive();
        }
    }

    @Test
    void acceptedConnectionsAllocateNoNativeMemoryForOptionsAndAddresses() throws Exception {
        group = Reliability.uringGroup(1);
        OptionReader reader = new OptionReader();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.SO_SNDBUF, 64 * 1024)
                .childHandler(reader).bind(Reliability.LOOPBACK).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        connect(address, 10); // first-use costs (the loop's lazies) are not what is measured
        Reliability.awaitCondition(10_000, () -> reader.active.get() == 10, () -> reader.active + " of 10 active");

        long allocationsBefore = NativeMemory.allocationCount();
        connect(address, 100);
        Reliability.awaitCondition(10_000, () -> reader.active.get() == 110, () -> reader.active + " of 110 active");
        long allocations = NativeMemory.allocationCount() - allocationsBefore;
        assertEquals(0, allocations, "native allocations for 100 accepted connections with options and addresses");
        server.close().sync();
    }

    /** Counts what reaches the server channel's pipeline: one channelRead per connection, and read completes. */
    @ChannelHandler.Sharable
    private static final class AcceptCounter extends ChannelInboundHandlerAdapter {
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger readCompletes = new AtomicInteger();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reads.incrementAndGet();
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            readCompletes.incrementAndGet();
            ctx.fireChannelReadComplete();
        }
    }

    /**
     * 32 connections waiting while the loop is busy, accepted in one batch when it comes back: one
     * channelReadComplete for the batch, as a read loop ends on Netty's other transports. With single-shot
     * accepts (the floor's kernels) each completion accepts one connection, so each is its own batch.
     */
    @Test
    void aBatchOfAcceptedConnectionsEndsWithOneReadComplete() throws Exception {
        group = Reliability.uringGroup(1);
        AcceptCounter counter = new AcceptCounter();
        ChildCounter children = new ChildCounter();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128).handler(counter).childHandler(children)
                .bind(Reliability.LOOPBACK).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        CountDownLatch loopBusy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        server.eventLoop().execute(() -> {
            loopBusy.countDown();
            try {
                release.await(); // the loop reaps nothing meanwhile; the kernel queues the connections
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(loopBusy.await(10, TimeUnit.SECONDS));
        connect(address, 32);
        release.countDown();
        Reliability.awaitCondition(10_000, () -> children.accepted.get() == 32,
                () -> children.accepted + " of 32 accepted");
        System.out.println("32 connections accepted: " + counter.reads + " channelRead, " + counter.readCompletes
                + " channelReadComplete (multishot accept: " + Uring.isMultishotAcceptEnabled() + ")");
        assertEquals(32, counter.reads.get());
        if (Uring.isMultishotAcceptEnabled()) {
            assertTrue(counter.readCompletes.get() <= 2, counter.readCompletes + " channelReadComplete for 32");
        } else {
            assertEquals(32, counter.readCompletes.get(), "one accept in flight: each completion its own batch");
        }
        server.close().sync();
    }

    private void connect(InetSocketAddress address, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            clients.add(SocketChannel.open(address)); // completes from the backlog, accepted or not
        }
    }
}
