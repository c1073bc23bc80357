package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.concurrent.Future;
import org.iouring4j.transport.reliability.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link UringChunkedFile} under Netty's {@link ChunkedWriteHandler}: {@code readChunk} suspends while a read is in
 * the ring and the completion resumes the transfer; whole files and regions arrive byte for byte over plain TCP and
 * over TLS ({@code SslHandler}), with their progress; a file shorter than its region and a peer that goes away fail
 * the write, and every chunk, file and descriptor is released.
 */
@ExtendWith({LeakCheck.class, RequiresUring.class})
@Timeout(60)
class UringChunkedFileTest {
    private static final int KIB = 1024;
    private static final int MIB = KIB * KIB;
    private static final long WAIT_SECONDS = 20;
    private static SslContext serverTls;
    private static SslContext clientTls;

    @TempDir
    Path tempDir;

    private EventLoopGroup group;
    private EventLoop loop;
    /** Where the server opens its files; null: on the connection's own loop. */
    private EventLoop fileLoop;

    @BeforeAll
    static void makeCertificate() throws Exception {
        X509Bundle cert = new CertificateBuilder().ecp256().subject("cn=localhost").setIsCertificateAuthority(true)
                .buildSelfSigned();
        serverTls = SslContextBuilder.forServer(cert.getKeyPair().getPrivate(), cert.getCertificatePath())
                .sslProvider(SslProvider.JDK).build();
        clientTls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .sslProvider(SslProvider.JDK).build();
    }

    @BeforeEach
    void setUp() {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        loop = group.next();
    }

    @AfterEach
    void tearDown() throws Exception {
        assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
        assertEquals(List.of(), UringLoopFileTest.openFilesUnder(tempDir), "descriptors left open");
    }

    @Test
    void readChunkSuspendsUntilTheReadCompletesWhichResumesTheTransfer() throws Exception {
        byte[] data = UringLoopFileTest.pattern(100 * KIB, 23);
        Path path = write("direct", data);
        UringLoopFile file = await(UringLoopFile.open(loop, path));
        CountingResumer resumer = new CountingResumer();
        UringChunkedFile input = new UringChunkedFile(file, 0, data.length, 40 * KIB, resumer);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        List<Integer> chunkSizes = new ArrayList<>();
        while (!input.isEndOfInput()) {
            int resumed = resumer.count.get();
            ByteBuf chunk = loop.submit(() -> input.readChunk(ByteBufAllocator.DEFAULT)).get(WAIT_SECONDS,
                    TimeUnit.SECONDS);
            if (chunk == null) {
                assertFalse(input.isEndOfInput());
                resumer.awaitMoreThan(resumed);
                continue;
            }
            chunkSizes.add(chunk.readableBytes());
            byte[] bytes = new byte[chunk.readableBytes()];
            chunk.readBytes(bytes);
            chunk.release();
            received.writeBytes(bytes);
            assertEquals(received.size(), input.progress());
        }
        assertEquals(List.of(40 * KIB, 40 * KIB, 20 * KIB), chunkSizes);
        assertArrayEquals(data, received.toByteArray());
        assertEquals(data.length, input.length());
        assertNull(loop.submit(() -> input.readChunk(ByteBufAllocator.DEFAULT)).get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(resumer.count.get() >= 1, "the first read, at least, completed after readChunk returned null");
        input.close();
        assertNull(await(file.close()), "closing the input closed the file");
    }

    @Test
    void aMultiMegabyteFileArrivesWholeOverPlainTcpWithItsProgress() throws Exception {
        byte[] data = UringLoopFileTest.pattern(5 * MIB + 321, 29);
        assertArrayEquals(data, transfer(write("plain", data), 0, data.length, false));
    }

    @Test
    void aMultiMegabyteFileArrivesWholeOverTls() throws Exception {
        byte[] data = UringLoopFileTest.pattern(4 * MIB + 77, 31);
        assertArrayEquals(data, transfer(write("tls", data), 0, data.length, true));
    }

    @Test
    void aFileOpenedOnAnotherLoopStillArrivesWhole() throws Exception {
        EventLoopGroup files = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        try {
            fileLoop = files.next(); // reads complete there; resumeTransfer hops onto the connection's loop
            byte[] data = UringLoopFileTest.pattern(3 * MIB + 5, 47);
            assertArrayEquals(data, transfer(write("other-loop", data), 0, data.length, true));
        } finally {
            fileLoop = null;
            assertTrue(files.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRegionInsideTheFileSendsOnlyItsBytes() throws Exception {
        byte[] data = UringLoopFileTest.pattern(MIB, 37);
        int offset = 12_345;
        int length = 700_001;
        assertArrayEquals(Arrays.copyOfRange(data, offset, offset + length),
                transfer(write("region", data), offset, length, true));
    }

    @Test
    void aFileShorterThanItsRegionFailsTheWriteWithEof() throws Exception {
        byte[] data = UringLoopFileTest.pattern(100 * KIB, 41);
        Path path = write("short", data);
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> transfer(path, 0, data.length + 1, false));
        assertInstanceOf(EOFException.class, e.getCause(), e.toString());
        assertTrue(e.getCause().getMessage().contains(path.toString()), e.getCause().getMessage());
    }

    @Test
    void aPeerThatGoesAwayFailsTheWriteAndTheFileIsClosed() throws Exception {
        byte[] data = UringLoopFileTest.pattern(8 * MIB, 43);
        Path path = write("gone", data);
        CompletableFuture<UringLoopFile> opened = new CompletableFuture<>();
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        Channel server = serve(path, 0, data.length, true, opened, written, null);
        AtomicLong received = new AtomicLong();
        Channel client = connect(server, true, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                received.addAndGet(buf.readableBytes());
                buf.release();
                if (received.get() > MIB) {
                    ctx.close(); // gone after a part of the file
                }
            }
        });
        ChannelFuture write = written.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(write.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(write.isSuccess());
        UringLoopFile file = opened.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNull(await(file.close()));
        assertFalse(file.isOpen(), "ChunkedWriteHandler closed the input, which closed the file");
        client.close().sync();
        server.close().sync();
    }

    /** Serves {@code [offset, offset + length)} of the file on a TLS or plain connection; the bytes the client got. */
    private byte[] transfer(Path path, long offset, long length, boolean tls) throws Exception {
        CompletableFuture<ChannelFuture> written = new CompletableFuture<>();
        AtomicLong progress = new AtomicLong();
        Channel server = serve(path, offset, length, tls, new CompletableFuture<>(), written, progress);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Channel client = connect(server, tls, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                buf.release();
                received.writeBytes(bytes);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                closed.complete(null);
            }
        });
        try {
            ChannelFuture write = written.get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(write.await(WAIT_SECONDS, TimeUnit.SECONDS), "the transfer did not finish in time");
            if (!write.isSuccess()) {
                throw new ExecutionException(write.cause());
            }
            closed.get(WAIT_SECONDS, TimeUnit.SECONDS); // the server closes once the write succeeded
            assertEquals(length, progress.get());
            return received.toByteArray();
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }

    /**
     * A server that, on each connection, opens the file on the connection's loop and writes the region as a
     * {@link UringChunkedFile}, then closes the connection; hands out the opened file and the write's future.
     */
    private Channel serve(Path path, long offset, long length, boolean tls, CompletableFuture<UringLoopFile> opened,
                          CompletableFuture<ChannelFuture> written, AtomicLong progress) throws Exception {
        return new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls) {
                            ch.pipeline().addLast(serverTls.newHandler(ch.alloc()));
                        }
                        ChunkedWriteHandler chunks = new ChunkedWriteHandler();
                        ch.pipeline().addLast(chunks, new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                EventLoop opensOn = fileLoop != null ? fileLoop : ctx.channel().eventLoop();
                                UringLoopFile.open(opensOn, path).addListener(f -> {
                                    UringLoopFile file = (UringLoopFile) f.getNow();
                                    opened.complete(file);
                                    ChannelProgressivePromise promise = ctx.newProgressivePromise();
                                    promise.addListener(progressTo(progress));
                                    written.complete(promise);
                                    ctx.writeAndFlush(new UringChunkedFile(file, offset, length, 64 * KIB, chunks),
                                            promise).addListener(w -> ctx.close());
                                });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
    }

    private Channel connect(Channel server, boolean tls, ChannelInboundHandlerAdapter reader) throws Exception {
        return new Bootstrap().group(group).channel(UringSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls) {
                            ch.pipeline().addLast(clientTls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(reader);
                    }
                })
                .connect(server.localAddress()).sync().channel();
    }

    private static ChannelProgressiveFutureListener progressTo(AtomicLong progress) {
        return new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long done, long total) {
                if (progress != null) {
                    progress.set(done);
                }
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
            }
        };
    }

    private Path write(String name, byte[] data) throws Exception {
        Path path = tempDir.resolve(name);
        Files.write(path, data);
        return path;
    }

    private static <T> T await(Future<T> future) throws Exception {
        assertTrue(future.await(WAIT_SECONDS, TimeUnit.SECONDS), "not completed in time");
        if (!future.isSuccess()) {
            throw new ExecutionException(future.cause());
        }
        return future.getNow();
    }

    /** Counts {@link #resumeTransfer()} calls instead of resuming a pipeline (the test drives readChunk itself). */
    private static final class CountingResumer extends ChunkedWriteHandler {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public void resumeTransfer() {
            synchronized (count) {
                count.incrementAndGet();
                count.notifyAll();
            }
        }

        void awaitMoreThan(int seen) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
            synchronized (count) {
                while (count.get() <= seen) {
                    long left = deadline - System.nanoTime();
                    assertTrue(left > 0, "resumeTransfer() was not called");
                    TimeUnit.NANOSECONDS.timedWait(count, left);
                }
            }
        }
    }
}
