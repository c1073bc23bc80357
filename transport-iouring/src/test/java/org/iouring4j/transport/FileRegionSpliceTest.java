package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ChannelProgressivePromise;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FileRegion;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.transport.reliability.LeakCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code DefaultFileRegion}s go from the file through a pipe into the socket by SPLICE, whole and byte for byte,
 * from a {@code File} or a {@code FileChannel}, at any position; a region longer than its file, a peer that goes
 * away and a close while a splice waits fail cleanly and leave no pipe or file descriptor behind; what cannot be
 * spliced is copied. With {@code -Diouring4j.splice=false} (the floor-features run) the same transfers are copies.
 */
@ExtendWith({LeakCheck.class, RequiresUring.class})
@Timeout(60)
class FileRegionSpliceTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path tempDir;

    private EventLoopGroup group;
    private ServerSocket server;
    private List<String> fdsBefore;

    @BeforeEach
    void setUp() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        server = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
        server.setSoTimeout(10_000);
        fdsBefore = spliceFds();
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
        assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
        // Pipes and descriptors of the test's files: every one that splicing opened must be closed again.
        assertEquals(fdsBefore, spliceFds());
    }

    @Test
    void aFileLargerThanThePipeArrivesWholeWithItsProgress() throws Exception {
        byte[] data = pattern(8 * MIB + 123);
        File file = write("large", data);
        long splicedBefore = SpliceFileRegionWrite.splicedBytes();
        try (Connection c = connect()) {
            CompletableFuture<byte[]> received = c.receive(data.length);
            DefaultFileRegion region = new DefaultFileRegion(file, 0, data.length);
            AtomicLong progress = new AtomicLong();
            ChannelProgressivePromise promise = c.channel.newProgressivePromise();
            promise.addListener(new ChannelProgressiveFutureListener() {
                @Override
                public void operationProgressed(ChannelProgressiveFuture future, long done, long total) {
                    progress.set(done);
                }

                @Override
                public void operationComplete(ChannelProgressiveFuture future) {
                }
            });
            c.channel.writeAndFlush(region, promise).sync();
            assertArrayEquals(data, received.get(20, TimeUnit.SECONDS));
            assertEquals(data.length, progress.get());
            assertEquals(data.length, region.transferred());
        }
        assertSpliced(splicedBefore, data.length);
    }

    @Test
    void aRegionInsideAFileSendsOnlyItsBytes() throws Exception {
        byte[] data = pattern(3 * MIB);
        File file = write("inside", data);
        int position = 12_345; // not on a page boundary
        int count = 2 * MIB + 7;
        long splicedBefore = SpliceFileRegionWrite.splicedBytes();
        try (Connection c = connect()) {
            CompletableFuture<byte[]> received = c.receive(count);
            c.channel.writeAndFlush(new DefaultFileRegion(file, position, count)).sync();
            assertArrayEquals(Arrays.copyOfRange(data, position, position + count), received.get(20, TimeUnit.SECONDS));
        }
        assertSpliced(splicedBefore, count);
    }

    /**
     * The test JVM has no --add-opens: the descriptor is read through Netty's Unsafe where Netty has it (Java 17-24
     * by default); where it has not (Java 25+), nothing can read it, and the region is copied, arriving whole.
     */
    @Test
    void aRegionBuiltFromAFileChannelIsSplicedWhereItsDescriptorCanBeRead() throws Exception {
        FileRegionDescriptor.ChannelAccess access = FileRegionDescriptor.channelAccess();
        assertEquals(PlatformDependent.hasUnsafe() ? FileRegionDescriptor.ChannelAccess.UNSAFE
                : FileRegionDescriptor.ChannelAccess.NONE, access);
        byte[] data = pattern(MIB + 99);
        File file = write("channel", data);
        long splicedBefore = SpliceFileRegionWrite.splicedBytes();
        try (Connection c = connect()) {
            CompletableFuture<byte[]> received = c.receive(data.length - 99);
            RandomAccessFile raf = new RandomAccessFile(file, "r");
            DefaultFileRegion region = new DefaultFileRegion(raf.getChannel(), 99, data.length - 99);
            c.channel.writeAndFlush(region).sync();
            assertArrayEquals(Arrays.copyOfRange(data, 99, data.length), received.get(20, TimeUnit.SECONDS));
            assertTrue(!raf.getChannel().isOpen(), "the region, released, closed its channel");
        }
        assertSpliced(splicedBefore, access == FileRegionDescriptor.ChannelAccess.NONE ? 0 : data.length - 99);
    }

    @Test
    void aRegionLongerThanItsFileFailsAfterSendingTheFile() throws Exception {
        byte[] data = pattern(300_000);
        File file = write("short", data);
        try (Connection c = connect()) {
            CompletableFuture<byte[]> received = c.receive(data.length);
            ChannelFuture write = c.channel.writeAndFlush(new DefaultFileRegion(file, 0, data.length + 1024));
            Throwable cause = write.await().cause();
            assertInstanceOf(IOException.class, cause);
            if (Uring.isSpliceEnabled()) {
                assertTrue(cause.getMessage().contains("shorter than the region"), cause.getMessage());
                assertArrayEquals(data, received.get(20, TimeUnit.SECONDS));
            }
            assertTrue(c.channel.closeFuture().await(10, TimeUnit.SECONDS), "an IOException closes the channel");
        }
    }

    @Test
    void aPeerClosingMidTransferFailsTheWriteAndTheLoopGoesOn() throws Exception {
        byte[] data = pattern(8 * MIB);
        File file = write("peer", data);
        try (Connection c = connect()) {
            CountDownLatch started = new CountDownLatch(1);
            ChannelProgressivePromise promise = progressPromise(c.channel, started);
            c.channel.writeAndFlush(new DefaultFileRegion(file, 0, data.length), promise);
            // Progress is counted per splice into the socket (up to a pipe's worth): read enough for a few.
            byte[] some = c.peer.getInputStream().readNBytes(MIB);
            assertArrayEquals(Arrays.copyOf(data, some.length), some);
            assertTrue(started.await(10, TimeUnit.SECONDS));
            c.peer.close(); // unread data queued: the kernel resets the connection

            Throwable cause = promise.await().cause();
            NativeIoException failure = assertInstanceOf(NativeIoException.class, cause);
            assertEquals(Uring.isSpliceEnabled() ? "SPLICE" : "SEND", failure.op(), failure.toString());
            assertTrue(failure.errno() == Errno.EPIPE || failure.errno() == Errno.ECONNRESET, failure.toString());
            assertTrue(c.channel.closeFuture().await(10, TimeUnit.SECONDS));
        }
        // The same loop serves the next connection.
        byte[] small = pattern(100_000);
        File second = write("after", small);
        try (Connection c = connect()) {
            CompletableFuture<byte[]> received = c.receive(small.length);
            c.channel.writeAndFlush(new DefaultFileRegion(second, 0, small.length)).sync();
            assertArrayEquals(small, received.get(20, TimeUnit.SECONDS));
        }
    }

    /** The splice waits in the kernel for a peer that reads nothing: closing cancels it and frees everything. */
    @Test
    void closingWhileASpliceWaitsCompletesAndFreesThePipe() throws Exception {
        byte[] data = pattern(8 * MIB);
        File file = write("stuck", data);
        try (Connection c = connect()) {
            CountDownLatch started = new CountDownLatch(1);
            ChannelProgressivePromise promise = progressPromise(c.channel, started);
            c.channel.writeAndFlush(new DefaultFileRegion(file, 0, data.length), promise);
            // Progress is counted per step: read enough for a few, then nothing, so the splices come to wait.
            assertEquals(MIB, c.peer.getInputStream().readNBytes(MIB).length);
            assertTrue(started.await(10, TimeUnit.SECONDS));
            assertTrue(c.channel.close().await(10, TimeUnit.SECONDS), "close waited for a cancelled splice");
            assertTrue(promise.await(10, TimeUnit.SECONDS));
            assertTrue(!promise.isSuccess(), "8 MiB cannot have gone to a peer that reads nothing");
        }
    }

    /** A FileRegion other than DefaultFileRegion has no file to splice from: it is copied, and arrives whole. */
    @Test
    void aRegionWithoutADescriptorIsCopied() throws Exception {
        byte[] data = pattern(MIB + 5);
        File file = write("copied", data);
        long splicedBefore = SpliceFileRegionWrite.splicedBytes();
        try (Connection c = connect()) {
            CompletableFuture<byte[]> received = c.receive(data.length);
            c.channel.writeAndFlush(new WrappedRegion(new DefaultFileRegion(file, 0, data.length))).sync();
            assertArrayEquals(data, received.get(20, TimeUnit.SECONDS));
        }
        assertEquals(splicedBefore, SpliceFileRegionWrite.splicedBytes());
    }

    private static void assertSpliced(long before, long bytes) {
        assertEquals(before + (Uring.isSpliceEnabled() ? bytes : 0), SpliceFileRegionWrite.splicedBytes());
    }

    private static ChannelProgressivePromise progressPromise(Channel channel, CountDownLatch started) {
        ChannelProgressivePromise promise = channel.newProgressivePromise();
        promise.addListener(new ChannelProgressiveFutureListener() {
            @Override
            public void operationProgressed(ChannelProgressiveFuture future, long done, long total) {
                started.countDown();
            }

            @Override
            public void operationComplete(ChannelProgressiveFuture future) {
            }
        });
        return promise;
    }

    private File write(String name, byte[] data) throws IOException {
        return Files.write(tempDir.resolve(name), data).toFile();
    }

    private static byte[] pattern(int length) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 131 + (i >>> 12));
        }
        return data;
    }

    /** The pipes and the test's files open in this process, by what they point at. */
    private List<String> spliceFds() throws IOException {
        List<String> found = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("pipe:") || target.startsWith(tempDir.toString())) {
                        found.add(target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own fd
                }
            }
        }
        found.sort(null);
        return found;
    }

    /** A connection from this transport (small send buffer) to a plain socket (small receive buffer). */
    private Connection connect() throws Exception {
        server.setReceiveBufferSize(16 * 1024);
        Channel channel = new Bootstrap().group(group).channel(UringSocketChannel.class)
                .option(ChannelOption.SO_SNDBUF, 16 * 1024)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(server.getLocalSocketAddress()).sync().channel();
        Socket peer = server.accept();
        peer.setSoTimeout(20_000);
        return new Connection(channel, peer);
    }

    private static final class Connection implements AutoCloseable {
        final Channel channel;
        final Socket peer;

        Connection(Channel channel, Socket peer) {
            this.channel = channel;
            this.peer = peer;
        }

        CompletableFuture<byte[]> receive(int length) {
            return CompletableFuture.supplyAsync(() -> {
                try (InputStream in = peer.getInputStream()) {
                    return in.readNBytes(length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }

        @Override
        public void close() throws Exception {
            channel.close().sync();
            peer.close();
        }
    }

    /** A FileRegion that is not a DefaultFileRegion, sending what the one it wraps holds. */
    private static final class WrappedRegion extends AbstractReferenceCounted implements FileRegion {
        private final DefaultFileRegion region;

        WrappedRegion(DefaultFileRegion region) {
            this.region = region;
        }

        @Override
        public long position() {
            return region.position();
        }

        @Override
        @Deprecated
        public long transfered() {
            return region.transferred();
        }

        @Override
        public long transferred() {
            return region.transferred();
        }

        @Override
        public long count() {
            return region.count();
        }

        @Override
        public long transferTo(WritableByteChannel target, long position) throws IOException {
            return region.transferTo(target, position);
        }

        @Override
        public FileRegion retain() {
            super.retain();
            return this;
        }

        @Override
        public FileRegion retain(int increment) {
            super.retain(increment);
            return this;
        }

        @Override
        public FileRegion touch() {
            return this;
        }

        @Override
        public FileRegion touch(Object hint) {
            return this;
        }

        @Override
        protected void deallocate() {
            region.release();
        }
    }
}
