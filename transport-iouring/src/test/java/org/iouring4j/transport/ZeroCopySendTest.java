package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.transport.testsuite.UringSocketTestPermutation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Zero-copy sends ({@link UringChannelOption#SEND_ZC_THRESHOLD}) on real loopback connections: bytes arrive
 * intact, buffers are released only after the kernel's notification, a close with sends still pinned closes the
 * fd at once but keeps the buffers and the registration until the last notification, and a socket without zero
 * copy (AF_UNIX) falls back to SEND silently.
 * With SEND_ZC switched off ({@code -Diouring4j.sendZc=false}, the floor-features run) the same writes are SENDs.
 */
@ExtendWith(RequiresUring.class)
@Timeout(60)
class ZeroCopySendTest {
    private static final int MIB = 1 << 20;

    private EventLoopGroup group;

    @BeforeEach
    void startLoops() {
        group = new MultiThreadIoEventLoopGroup(2, UringIoHandler.newFactory());
    }

    @AfterEach
    void stopLoops() throws InterruptedException {
        assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
    }

    @Test
    void theOptionIsOffByDefaultAndRefusesValuesBelowMinusOne() throws Exception {
        Channel client = connectTo(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()), null);
        try {
            assertEquals(ZeroCopySends.OFF, client.config().getOption(UringChannelOption.SEND_ZC_THRESHOLD));
            assertThrows(IllegalArgumentException.class,
                    () -> client.config().setOption(UringChannelOption.SEND_ZC_THRESHOLD, -2));
            assertTrue(client.config().setOption(UringChannelOption.SEND_ZC_THRESHOLD, 0));
            assertEquals(0, client.config().getOption(UringChannelOption.SEND_ZC_THRESHOLD));
        } finally {
            client.close().sync();
        }
    }

    /** Every size, each written alone (one buffer: a SEND_ZC at threshold 0), comes back intact. */
    @Test
    void echoesEverySizeWithTheThresholdAtZero() throws Exception {
        int[] sizes = {1, 2, 7, 100, 1000, 4095, 4096, 4097, 65535, 65536, 65537, 300_000, 2 * MIB + 3};
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childOption(UringChannelOption.SEND_ZC_THRESHOLD, 0)
                .childHandler(new EchoHandler())
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        try {
            echo(server.localAddress(), sizes, UringSocketChannel.class, 0);
        } finally {
            server.close().sync();
        }
    }

    /** Off by default: the same writes are SENDs. */
    @Test
    void noZeroCopySendWithoutTheOption() throws Exception {
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new EchoHandler())
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        try {
            assertEquals(0, echo(server.localAddress(), new int[] {MIB, 3 * MIB}, UringSocketChannel.class,
                    ZeroCopySends.OFF));
        } finally {
            server.close().sync();
        }
    }

    /** AF_UNIX refuses zero copy (EOPNOTSUPP): the channel sends by copy instead, without an error. */
    @Test
    void aUnixSocketFallsBackToSend() throws Exception {
        DomainSocketAddress address = UringSocketTestPermutation.newDomainSocketAddress();
        Channel server = new ServerBootstrap().group(group).channel(UringServerDomainSocketChannel.class)
                .childOption(UringChannelOption.SEND_ZC_THRESHOLD, 0)
                .childHandler(new EchoHandler())
                .bind(address).sync().channel();
        try {
            assertEquals(0, echo(address, new int[] {1, 5000, 70_000, MIB}, UringDomainSocketChannel.class, 0));
        } finally {
            server.close().sync();
        }
    }

    /**
     * MiBs to a reader that takes small bites: results come back as the socket buffer takes the bytes, the
     * notifications only as the peer acknowledges them; every buffer is released once, after both.
     */
    @Test
    void largeWritesToASlowReader() throws Exception {
        int writes = 8;
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Channel client = connectTo(listener, 0);
            CountDownLatch released = new CountDownLatch(writes);
            CompletableFuture<byte[]> read = new CompletableFuture<>();
            Thread reader = new Thread(() -> readAll(listener, writes * MIB, read), "slow-reader");
            reader.start();
            ChannelFuture last = null;
            for (int i = 0; i < writes; i++) {
                ChannelFuture written = client.writeAndFlush(trackedBuffer(MIB, i, released));
                // Each waits for the previous one: one buffer per write, as a SEND_ZC takes it.
                written.sync();
                last = written;
            }
            assertTrue(last.isSuccess());
            byte[] received = read.get(30, TimeUnit.SECONDS);
            for (int i = 0; i < writes; i++) {
                assertEquals((byte) i, received[i * MIB + 12345], "write " + i);
            }
            assertTrue(released.await(10, TimeUnit.SECONDS), "a buffer never released: " + released.getCount());
            long zeroCopy = zeroCopySends(client);
            assertTrue(Uring.isSendZcEnabled() ? zeroCopy >= writes : zeroCopy == 0, "zero-copy sends: " + zeroCopy);
            client.close().sync();
            reader.join(10_000);
        }
    }

    /**
     * A server channel closed while the kernel still holds the pages of its zero-copy sends, its client connected
     * but reading nothing (a zero window: TCP may hold the pages for as long as the client lives): the fd is closed
     * at once; the buffers stay pinned, and the registration stays, for the notifications. The client's reset
     * brings those, and with the last one every buffer and the registration are released. Without SEND_ZC (the
     * floor-features run) the same close simply releases everything at once.
     */
    @Test
    void closeWithOnlyNotificationsLeftClosesTheFdAtOnceAndTheRestGoesWithThePeersReset() throws Exception {
        EventLoop childLoop = group.next();
        CountDownLatch released = new CountDownLatch(2);
        // Made here: trackedBuffer's assumption must fail the test thread, not the loop.
        ByteBuf handedOver = trackedBuffer(256 * 1024, 1, released);
        ByteBuf tooBig = trackedBuffer(8 * MIB, 2, released);
        CompletableFuture<Channel> unwritable = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group, childLoop).channel(UringServerSocketChannel.class)
                .childOption(UringChannelOption.SEND_ZC_THRESHOLD, 0)
                .childOption(ChannelOption.SO_SNDBUF, 4 * MIB)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        // Handed to the socket (the result), but mostly unsent: its notification waits for the
                        // client. Then one the socket cannot take: still in the kernel when the close cancels it.
                        ctx.writeAndFlush(handedOver).addListener(written -> {
                            ctx.writeAndFlush(tooBig);
                            if (written.isSuccess() && !ctx.channel().isWritable()) {
                                unwritable.complete(ctx.channel());
                            } else {
                                unwritable.completeExceptionally(new AssertionError("written: " + written
                                        + ", writable: " + ctx.channel().isWritable()));
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        int baseline = childLoop.submit(() -> UringIoHandler.current().registrationCount()).get();
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(4096); // a small window, and the client never reads
            client.connect(server.localAddress());
            Channel child = unwritable.get(20, TimeUnit.SECONDS);
            Path fdLink = Path.of("/proc/self/fd/" + ((AbstractUringChannel) child).socketFd());
            Path socket = Files.readSymbolicLink(fdLink);

            child.close().sync();
            assertTrue(closedWithin(fdLink, socket, TimeUnit.SECONDS.toNanos(5)),
                    "the fd still open: it waits for notifications that a client reading nothing never brings");
            if (Uring.isSendZcEnabled()) {
                assertTrue(zeroCopySends(child) > 0, "no zero-copy send made");
                assertTrue(released.getCount() > 0, "the kernel still holds the pages");
                assertTrue(childLoop.submit(() -> UringIoHandler.current().registrationCount()).get() > baseline,
                        "the registration waits for the notifications");
            }
            client.setSoLinger(true, 0); // the close resets the connection: the kernel drops what it held
        }
        assertTrue(released.await(20, TimeUnit.SECONDS), "a buffer never released: " + released.getCount());
        // The last notification released its buffer, then (in the same dispatch) the registration.
        assertEquals(baseline, childLoop.submit(() -> UringIoHandler.current().registrationCount()).get());
        server.close().sync();
    }

    /**
     * Whether {@code fdLink} stops naming {@code socket} within {@code nanos}. Nothing tells a test when a channel
     * closed its fd (the close future completes before: the fd waits for cancels), so the fd table is looked at.
     */
    private static boolean closedWithin(Path fdLink, Path socket, long nanos) throws Exception {
        long deadline = System.nanoTime() + nanos;
        while (isSameOpenFile(fdLink, socket)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    private static boolean isSameOpenFile(Path fdLink, Path target) throws IOException {
        try {
            return Files.readSymbolicLink(fdLink).equals(target);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /** A client of {@code listener} on our transport, with the given threshold (null: not set). */
    private Channel connectTo(ServerSocket listener, Integer threshold) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(UringSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter());
        if (threshold != null) {
            bootstrap.option(UringChannelOption.SEND_ZC_THRESHOLD, threshold);
        }
        return bootstrap.connect(listener.getLocalSocketAddress()).sync().channel();
    }

    /**
     * Writes each size as one buffer, each after the previous came back whole, and checks what came back.
     *
     * @return the zero-copy sends the client made
     */
    private long echo(SocketAddress server, int[] sizes, Class<? extends Channel> type, int threshold)
            throws Exception {
        Collector collector = new Collector();
        Channel client = new Bootstrap().group(group).channel(type)
                .option(UringChannelOption.SEND_ZC_THRESHOLD, threshold)
                .handler(collector).connect(server).sync().channel();
        try {
            for (int i = 0; i < sizes.length; i++) {
                byte[] data = pattern(sizes[i], i);
                CompletableFuture<Long> echoed = collector.expect(sizes[i]);
                ByteBuf buf = client.alloc().directBuffer(sizes[i]).writeBytes(data);
                client.writeAndFlush(buf).sync();
                CRC32C expected = new CRC32C();
                expected.update(data);
                assertEquals(expected.getValue(), (long) echoed.get(20, TimeUnit.SECONDS), "size " + sizes[i]);
            }
            long zeroCopy = zeroCopySends(client);
            boolean expectZeroCopy = Uring.isSendZcEnabled() && threshold != ZeroCopySends.OFF
                    && type == UringSocketChannel.class;
            assertEquals(expectZeroCopy, zeroCopy > 0, "zero-copy sends: " + zeroCopy);
            return zeroCopy;
        } finally {
            client.close().sync();
        }
    }

    private static long zeroCopySends(Channel channel) throws Exception {
        return channel.eventLoop().submit(((AbstractUringStreamChannel) channel)::zeroCopySendsCompleted).get();
    }

    private static byte[] pattern(int size, int seed) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return data;
    }

    /**
     * A direct buffer with a memory address (so one SEND takes it) filled with {@code fill}, counting
     * {@code released} down when its memory is freed: when every reference, the kernel's pin too, is gone.
     */
    private static ByteBuf trackedBuffer(int size, int fill, CountDownLatch released) {
        // Where Netty has Unsafe only its Unsafe-backed buffer knows its address. Where it has not (Java 25+ by
        // default) that class cannot even write, and the plain one knows its address instead: Netty allocates it
        // through the foreign-memory API there.
        ByteBuf buf = PlatformDependent.hasUnsafe()
                ? new UnpooledUnsafeDirectByteBuf(ByteBufAllocator.DEFAULT, size, size) {
                    @Override
                    protected void deallocate() {
                        super.deallocate();
                        released.countDown();
                    }
                }
                : new UnpooledDirectByteBuf(ByteBufAllocator.DEFAULT, size, size) {
                    @Override
                    protected void deallocate() {
                        super.deallocate();
                        released.countDown();
                    }
                };
        assumeTrue(buf.hasMemoryAddress(), "Netty gives this JVM's direct buffers no memory address");
        for (int i = 0; i < size; i++) {
            buf.writeByte(fill);
        }
        return buf;
    }

    /** Accepts one connection and reads {@code length} bytes in small bites. */
    private static void readAll(ServerSocket listener, int length, CompletableFuture<byte[]> read) {
        try (Socket peer = listener.accept(); InputStream in = peer.getInputStream()) {
            byte[] all = new byte[length];
            int got = 0;
            while (got < length) {
                int n = in.read(all, got, Math.min(4096, length - got));
                if (n < 0) {
                    throw new IOException("end of stream after " + got + " bytes");
                }
                got += n;
            }
            read.complete(all);
        } catch (IOException | RuntimeException e) {
            read.completeExceptionally(e);
        }
    }

    /** Echoes what it reads. */
    private static final class EchoHandler extends ChannelInitializer<Channel> {
        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.write(msg);
                }

                @Override
                public void channelReadComplete(ChannelHandlerContext ctx) {
                    ctx.flush();
                }
            });
        }
    }

    /** Checksums what comes back until the expected number of bytes did. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private CompletableFuture<Long> echoed;
        private CRC32C crc;
        private long missing;

        synchronized CompletableFuture<Long> expect(int bytes) {
            echoed = new CompletableFuture<>();
            crc = new CRC32C();
            missing = bytes;
            return echoed;
        }

        @Override
        public synchronized void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                missing -= buf.readableBytes();
                crc.update(buf.nioBuffer());
                if (missing == 0) {
                    echoed.complete(crc.getValue());
                } else if (missing < 0) {
                    echoed.completeExceptionally(new AssertionError("more bytes than sent: " + -missing));
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public synchronized void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            echoed.completeExceptionally(cause);
        }
    }
}
