package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringDatagramChannel;
import org.iouring4j.transport.UringServerDomainSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load on the newer channel kinds: 10,000 Unix socket connections on one loop, and a flood of datagrams into a
 * reader too slow for it. Both end with the process's fds and native memory back where they started.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class UnixAndDatagramLoadTest {
    private static final int CONNECTIONS = Integer.getInteger("iouring4j.reliability.connections", 10_000);

    @TempDir
    Path dir;
    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(group);
    }

    /**
     * 10,000 Unix socket connections held open at once against one server loop, each echoing 8 KiB of its own
     * pattern; the clients are plain JDK NIO in a child JVM (both ends in one process would need 20,000+ fds).
     */
    @Test
    void tenThousandUnixSocketConnectionsEchoOnOneEventLoop() throws Exception {
        Map<Integer, String> fdsBefore = fdBaseline();
        long nativeBefore = Reliability.nativeBytes();
        Reliability.ensureFdHeadroom(CONNECTIONS, "the server side of " + CONNECTIONS + " connections");
        group = Reliability.uringGroup(1);
        ChildCounter counter = new ChildCounter();
        Path socket = dir.resolve("echo.sock");
        Channel server = new ServerBootstrap().group(group).channel(UringServerDomainSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter, Reliability.EchoHandler.INSTANCE);
                    }
                }).bind(new DomainSocketAddress(socket.toString())).sync().channel();
        long start = System.nanoTime();
        ChildJvm client = ChildJvm.run(130, List.of("-Xmx256m", "-XX:+UseSerialGC"), NioEchoLoad.class,
                "unix:" + socket, "-", String.valueOf(CONNECTIONS), String.valueOf(8 * 1024), "1000", "110");
        System.out.printf("%d Unix socket connections on one loop: %s (%d ms)%n", CONNECTIONS,
                client.output.trim(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertEquals(0, client.exitCode, "the NIO client in the child JVM failed:\n" + client.output);
        assertTrue(client.output.contains("completed=" + CONNECTIONS + " "), client.output);
        assertEquals(CONNECTIONS, counter.maxActive.get(), "connections open at once on the server");
        Reliability.awaitCondition(20_000, () -> counter.active.get() == 0,
                () -> counter.active.get() + " server channels still open after the client process exited");
        server.close().sync();
        Reliability.shutdown(group);
        group = null;
        assertResourcesBack(fdsBefore, nativeBefore);
    }

    /**
     * 1,000,000 datagrams sent as fast as a plain JDK sender can into a server whose SO_RCVBUF is small and whose
     * handler is slow: the kernel drops what does not fit (counted, not an error), every datagram that arrives is
     * released, and the loop keeps running tasks promptly meanwhile.
     */
    @Test
    void aMillionDatagramsIntoASlowReaderDropWithoutLeaksOrAStalledLoop() throws Exception {
        Map<Integer, String> fdsBefore = fdBaseline();
        long nativeBefore = Reliability.nativeBytes();
        group = Reliability.uringGroup(1);
        AtomicLong received = new AtomicLong();
        Channel server = new Bootstrap().group(group).channel(UringDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 64 * 1024)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        DatagramPacket packet = (DatagramPacket) msg;
                        try {
                            long deadline = System.nanoTime() + 2_000; // a slow reader: 2 us per datagram
                            while (System.nanoTime() < deadline) {
                                Thread.onSpinWait();
                            }
                            received.incrementAndGet();
                        } finally {
                            packet.release();
                        }
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        InetSocketAddress target = (InetSocketAddress) server.localAddress();
        int total = 1_000_000;
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            try (DatagramChannel sender = DatagramChannel.open()) {
                ByteBuffer datagram = ByteBuffer.allocateDirect(64);
                for (int i = 0; i < total; i++) {
                    datagram.clear().putInt(0, i);
                    sender.send(datagram, target);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long slowestTaskNanos = 0;
        while (!sending.isDone()) {
            long submitted = System.nanoTime();
            server.eventLoop().submit(() -> { }).get(10, TimeUnit.SECONDS);
            slowestTaskNanos = Math.max(slowestTaskNanos, System.nanoTime() - submitted);
        }
        sending.get();
        long before = received.get();
        server.close().sync();
        System.out.printf("%d datagrams sent, %d received by the slow reader (%.1f%%), the slowest task on its loop"
                + " meanwhile: %d ms%n", total, before, 100.0 * before / total,
                TimeUnit.NANOSECONDS.toMillis(slowestTaskNanos));
        assertTrue(before > 0 && before < total, before + " received: the kernel should have dropped some");
        assertTrue(slowestTaskNanos < TimeUnit.SECONDS.toNanos(2),
                "a task waited " + TimeUnit.NANOSECONDS.toMillis(slowestTaskNanos) + " ms for the loop");
        Reliability.shutdown(group);
        group = null;
        assertResourcesBack(fdsBefore, nativeBefore);
    }

    /**
     * The fds open now, after the JDK's own lazy one: its first file channel (the child JVM's output is read
     * through one) opens a socket pair it keeps for the life of the process, which is not ours to count.
     */
    private static Map<Integer, String> fdBaseline() throws Exception {
        try (FileChannel warmUp = FileChannel.open(Path.of("/proc/self/stat"))) {
            warmUp.read(ByteBuffer.allocate(16));
        }
        return Reliability.describeFds();
    }

    private static void assertResourcesBack(Map<Integer, String> fdsBefore, long nativeBefore) throws Exception {
        Reliability.awaitCondition(10_000, () -> Reliability.describeFds().size() <= fdsBefore.size(),
                () -> "fds left: " + Reliability.fdDiff(fdsBefore, Reliability.describeFds()));
        assertEquals(nativeBefore, Reliability.nativeBytes(), "native memory left behind");
    }
}
