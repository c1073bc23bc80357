package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shutdown: a loop with 1,000 connections echoing at full speed shuts down within a bounded time, and afterwards
 * the process holds exactly the fds and native memory it held before; repeated create/serve/shutdown cycles do
 * not grow them.
 *
 * <p>Each test runs one warm-up cycle before measuring, so that what is created once per process (JNA, the
 * availability probe's classes, JDK selector and resolver state, GlobalEventExecutor's thread) is not counted.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShutdownTest {
    private static final long SHUTDOWN_BOUND_SECONDS = 10;

    private EventLoopGroup serverGroup;
    private EventLoopGroup clientGroup;
    private final ExecutorService clientThread = Executors.newSingleThreadExecutor();

    @AfterEach
    void cleanUp() throws InterruptedException {
        clientThread.shutdownNow();
        clientThread.awaitTermination(20, TimeUnit.SECONDS);
        Reliability.shutdown(clientGroup, serverGroup);
    }

    private static Channel bindEcho(EventLoopGroup group, ChildCounter counter) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 2048)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter, Reliability.EchoHandler.INSTANCE);
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
    }

    @Test
    void shutdownUnderLoadWithAThousandConnectionsIsBoundedAndReleasesEverything() throws Exception {
        loadAndShutdown(50); // warm-up
        Map<Integer, String> fdsBefore = Reliability.describeFds();
        long nativeBefore = Reliability.nativeBytes();

        long shutdownNanos = loadAndShutdown(1000);

        System.out.printf("shutdownGracefully with 1000 connections under load: %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(shutdownNanos));
        assertTrue(shutdownNanos < TimeUnit.SECONDS.toNanos(SHUTDOWN_BOUND_SECONDS));
        assertResourcesBackTo(fdsBefore, nativeBefore, "after shutting down under load");
    }

    /** Runs {@code connections} unbounded echo connections, shuts the server down under them; returns how long it took. */
    private long loadAndShutdown(int connections) throws Exception {
        serverGroup = Reliability.uringGroup(1);
        ChildCounter counter = new ChildCounter();
        InetSocketAddress address = (InetSocketAddress) bindEcho(serverGroup, counter).localAddress();
        NioEchoLoad load = new NioEchoLoad(address, connections, -1, 16 * 1024, 500, false, 60, TimeUnit.SECONDS,
                10_000);
        Future<NioEchoLoad.Result> client = clientThread.submit(load);
        assertTrue(load.allEchoing.await(30, TimeUnit.SECONDS), () -> "only " + load.connectedCount.get()
                + " connections connected, " + (connections - load.allEchoing.getCount()) + " echoing");
        long echoing = load.verifiedBytes.get();
        Reliability.awaitCondition(20_000, () -> load.verifiedBytes.get() > echoing + connections * 64L * 1024,
                () -> "the load stalled at " + load.verifiedBytes.get() + " bytes echoed");
        assertEquals(connections, counter.active.get());

        long start = System.nanoTime();
        serverGroup.shutdownGracefully(100, SHUTDOWN_BOUND_SECONDS * 1000, TimeUnit.MILLISECONDS);
        boolean terminated = serverGroup.terminationFuture().await(SHUTDOWN_BOUND_SECONDS + 5, TimeUnit.SECONDS);
        long elapsed = System.nanoTime() - start;
        assertTrue(terminated, "the loop did not terminate within " + (SHUTDOWN_BOUND_SECONDS + 5) + " s");
        serverGroup = null;

        NioEchoLoad.Result result;
        try {
            result = client.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            int open = Reliability.openSocketsOnPort(address.getPort());
            load.stop();
            result = client.get(10, TimeUnit.SECONDS);
            throw new AssertionError("20 s after the server's loop terminated, the clients still waited for "
                    + (connections - result.closedByPeer) + " connections to close (" + result + "); server-side"
                    + " sockets of port " + address.getPort() + " still open in this process: " + open);
        }
        assertTrue(result.ok(), result.toString());
        assertEquals(connections, result.closedByPeer, "connections the shutdown closed: " + result);
        return elapsed;
    }

    @Test
    void repeatedGroupCyclesWithOpenConnectionsDoNotGrowFdsOrNativeMemory() throws Exception {
        cycle(0); // warm-up
        Map<Integer, String> fdsBefore = Reliability.describeFds();
        long nativeBefore = Reliability.nativeBytes();
        long[] direct = new long[6];
        for (int i = 1; i <= 5; i++) {
            cycle(i);
            direct[i] = PlatformDependent.usedDirectMemory();
            System.out.printf("cycle %d: fds=%d (baseline %d) native=%d (baseline %d) directMemory=%d%n",
                    i, Reliability.openFdCount(), fdsBefore.size(), Reliability.nativeBytes(), nativeBefore, direct[i]);
            assertResourcesBackTo(fdsBefore, nativeBefore, "after cycle " + i);
        }
        // Netty's allocator keeps the chunks it allocated and may take another one as threads come and go: a
        // leak shows as growth at every cycle, beyond a chunk or so.
        boolean everyCycle = true;
        for (int i = 2; i <= 5; i++) {
            everyCycle &= direct[i] > direct[i - 1];
        }
        assertTrue(!everyCycle && direct[5] - direct[1] <= 4 << 20,
                "direct memory grew cycle after cycle: " + java.util.Arrays.toString(direct));
    }

    /**
     * Shutdown while a write waits in the kernel for a peer that does not read: the loop still terminates in
     * bounded time, the channel closes, every write promise completes and every written buffer is released.
     */
    @Test
    void shutdownWithAWriteBlockedInTheKernelReleasesItsBuffers() throws Exception {
        cycle(0); // warm-up
        Map<Integer, String> fdsBefore = Reliability.describeFds();
        serverGroup = Reliability.uringGroup(1);
        CompletableFuture<PatternWriter> writerFuture = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(serverGroup).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new io.netty.channel.WriteBufferWaterMark(
                        32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PatternWriter writer = new PatternWriter(3, Long.MAX_VALUE, 16 * 1024, false).startOnActive();
                        ch.pipeline().addLast(writer);
                        writerFuture.complete(writer);
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        try (java.net.Socket sink = new java.net.Socket()) {
            sink.setReceiveBufferSize(16 * 1024);
            sink.connect(server.localAddress());
            PatternWriter writer = writerFuture.get(10, TimeUnit.SECONDS);
            writer.becameUnwritable.get(10, TimeUnit.SECONDS);
            awaitStalled(writer);

            long start = System.nanoTime();
            serverGroup.shutdownGracefully(0, SHUTDOWN_BOUND_SECONDS, TimeUnit.SECONDS);
            assertTrue(serverGroup.terminationFuture().await(SHUTDOWN_BOUND_SECONDS + 5, TimeUnit.SECONDS),
                    "the loop did not terminate");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            serverGroup = null;
            System.out.printf("shutdown with a blocked write: %d ms; %d writes, %d succeeded, %d failed%n", millis,
                    writer.written.size(), writer.succeeded.get(), writer.failed.get());
            assertTrue(writer.closed.isDone(), "the channel was not closed by the shutdown");
            assertEquals(writer.written.size(), writer.succeeded.get() + writer.failed.get(),
                    "write promises never completed");
            assertEquals(0, writer.unreleased(), "written buffers never released");
        }
        assertResourcesBackTo(fdsBefore, 0, "after the shutdown with a blocked write");
    }

    /**
     * A connection registered while the loop is already shutting down (by a task that runs after the loop's
     * last round of closing its channels, as a reconnect or a completion callback can be): the loop must not
     * terminate with it still open, or its fd stays open for the life of the process.
     */
    @Test
    void channelsRegisteredWhileTheLoopShutsDownAreClosedToo() throws Exception {
        cycle(0); // warm-up
        try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Map<Integer, String> fdsBefore = Reliability.describeFds();
            serverGroup = Reliability.uringGroup(1);
            io.netty.channel.EventLoop loop = serverGroup.next();
            Bootstrap bootstrap = new Bootstrap().group(loop).channel(UringSocketChannel.class)
                    .handler(Reliability.DiscardHandler.INSTANCE).remoteAddress(listener.getLocalSocketAddress());
            List<Channel> late = java.util.Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Void> shuttingDown = new CompletableFuture<>();
            Runnable[] probe = new Runnable[1];
            probe[0] = () -> {
                if (loop.isShuttingDown()) {
                    late.add(bootstrap.connect().channel()); // registered now, after this round's closeAll
                    shuttingDown.complete(null);
                }
                if (late.size() < 2) { // a task that always requeues itself would keep the loop from ending
                    try {
                        loop.execute(probe[0]);
                    } catch (java.util.concurrent.RejectedExecutionException terminated) {
                        // the loop no longer takes tasks
                    }
                }
            };
            loop.execute(probe[0]);
            serverGroup.shutdownGracefully(0, SHUTDOWN_BOUND_SECONDS, TimeUnit.SECONDS);
            assertTrue(serverGroup.terminationFuture().await(SHUTDOWN_BOUND_SECONDS + 5, TimeUnit.SECONDS));
            serverGroup = null;
            shuttingDown.get(5, TimeUnit.SECONDS);
            List<Channel> stillOpen = new ArrayList<>();
            synchronized (late) {
                for (Channel ch : late) {
                    if (ch.isOpen()) {
                        stillOpen.add(ch);
                    }
                }
            }
            System.out.println("channels registered during shutdown: " + late.size() + ", open after termination: "
                    + stillOpen.size());
            assertResourcesBackTo(fdsBefore, 0, "after a shutdown that registered " + late.size() + " late channels");
            assertTrue(stillOpen.isEmpty(), stillOpen.size() + " channels open after their loop terminated");
        }
    }

    /**
     * One cycle: new server and client groups, 100 iouring4j client connections each echoing 8 KiB of its own
     * pattern, then both groups shut down with every connection still open.
     */
    private void cycle(int index) throws Exception {
        serverGroup = Reliability.uringGroup(2);
        clientGroup = Reliability.uringGroup(2);
        ChildCounter counter = new ChildCounter();
        Channel server = bindEcho(serverGroup, counter);
        int connections = 100;
        int bytes = 8 * 1024;
        List<CompletableFuture<Long>> echoed = new ArrayList<>();
        List<Channel> channels = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long stream = index * 1000L + c;
            CompletableFuture<Long> done = new CompletableFuture<>();
            echoed.add(done);
            Channel ch = new Bootstrap().group(clientGroup).channel(UringSocketChannel.class)
                    .handler(new PatternEchoClient(stream, bytes, done))
                    .connect(server.localAddress()).sync().channel();
            channels.add(ch);
            ch.writeAndFlush(Reliability.writePattern(ch.alloc().directBuffer(bytes), bytes, stream, 0));
        }
        CompletableFuture.allOf(echoed.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
        assertEquals(connections, counter.active.get());
        Reliability.shutdown(clientGroup, serverGroup);
        clientGroup = null;
        serverGroup = null;
        for (Channel ch : channels) {
            assertTrue(!ch.isOpen(), "a client channel survived its group's shutdown");
        }
        assertTrue(!server.isOpen());
    }

    /**
     * Waits until the peer's and our socket buffers are full, so that the write in flight waits in the kernel:
     * nothing more queued for a whole second while the channel is unwritable (there is no event for that).
     */
    private static void awaitStalled(PatternWriter writer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = -1;
        long since = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long sent = writer.sent();
            if (sent != last || writer.channel.isWritable()) {
                last = sent;
                since = System.nanoTime();
            } else if (System.nanoTime() - since > TimeUnit.SECONDS.toNanos(1)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the writer never stalled; " + writer.sent() + " bytes queued");
    }

    private static void assertResourcesBackTo(Map<Integer, String> fdsBefore, long nativeBefore, String when)
            throws InterruptedException {
        Reliability.awaitCondition(5000, () -> Reliability.openFdCount() == fdsBefore.size(), () -> {
            Map<Integer, String> now = Reliability.describeFds();
            return "open fds " + when + ": " + now.size() + ", before: " + fdsBefore.size() + "; difference: "
                    + Reliability.fdDiff(fdsBefore, now);
        });
        assertEquals(nativeBefore, Reliability.nativeBytes(), "NativeMemory.liveBytes() " + when);
    }

    /** Checks the echo of its pattern byte by byte; completes with the byte count when all came back. */
    private static final class PatternEchoClient extends ChannelInboundHandlerAdapter {
        private final long stream;
        private final long expected;
        private final CompletableFuture<Long> done;
        private long received;

        PatternEchoClient(long stream, long expected, CompletableFuture<Long> done) {
            this.stream = stream;
            this.expected = expected;
            this.done = done;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int mismatch = Reliability.verifyPattern(buf, stream, received);
                if (mismatch >= 0) {
                    done.completeExceptionally(new AssertionError(Reliability.mismatchMessage("echo client", stream,
                            received + mismatch, buf.getByte(buf.readerIndex() + mismatch))));
                }
                received += buf.readableBytes();
                if (received == expected) {
                    done.complete(received);
                } else if (received > expected) {
                    done.completeExceptionally(new AssertionError("echoed " + received + " > " + expected));
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
