package org.iouring4j.transport.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peer faults beyond {@code ChannelFaultsTest}: resets in the middle of a write stream and of a read stream,
 * a peer that closes with data in flight either way, and a half-open connection. Each fails (or ends) only its
 * own channel with a clear exception, and the same event loop goes on serving another connection.
 *
 * <p>The server speaks a one-byte protocol: the client's first byte picks the connection's role,
 * {@code 'E'} echo, {@code 'S'} stream a pattern to the client, {@code 'R'} read a pattern from it.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerFaultsTest {
    private static final int CHUNK = 64 * 1024;

    private EventLoopGroup group;
    private Channel server;
    private final BlockingQueue<PatternWriter> writers = new LinkedBlockingQueue<>();
    private final BlockingQueue<PatternReader> readers = new LinkedBlockingQueue<>();
    private final AtomicLong streams = new AtomicLong(1000);
    private final List<Socket> sockets = new ArrayList<>();
    /** Bytes a streaming connection writes in all (the reset tests never get that far). */
    private long streamTotal = Long.MAX_VALUE;

    @BeforeEach
    void startGroup() {
        group = Reliability.uringGroup(1);
    }

    @AfterEach
    void stop() {
        sockets.forEach(Reliability::closeQuietly);
        if (server != null) {
            server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        Reliability.shutdown(group);
    }

    private InetSocketAddress startServer(boolean allowHalfClosure) throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, allowHalfClosure)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new RoleHandler());
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    /** Picks the connection's role from its first byte and hands the rest of the stream on. */
    private final class RoleHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte role = buf.readByte();
            switch (role) {
                case 'E':
                    ctx.pipeline().replace(this, "echo", Reliability.EchoHandler.INSTANCE);
                    break;
                case 'S': {
                    PatternWriter writer = new PatternWriter(streams.incrementAndGet(), streamTotal, CHUNK, true);
                    ctx.pipeline().replace(this, "writer", writer);
                    writers.add(writer);
                    writer.start(ctx.pipeline().context(writer));
                    break;
                }
                case 'R': {
                    PatternReader reader = new PatternReader(streams.incrementAndGet());
                    ctx.pipeline().replace(this, "reader", reader);
                    readers.add(reader);
                    break;
                }
                default:
                    buf.release();
                    ctx.close();
                    return;
            }
            if (buf.isReadable()) {
                ctx.pipeline().fireChannelRead(buf);
            } else {
                buf.release();
            }
        }
    }

    private Socket connect(InetSocketAddress address, char role) throws IOException {
        Socket socket = new Socket(address.getAddress(), address.getPort());
        sockets.add(socket);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(role);
        return socket;
    }

    /** One echo round trip of {@code length} pattern bytes. */
    private static void assertEchoes(Socket socket, long stream, int length) throws IOException {
        byte[] out = new byte[length];
        Reliability.fillPattern(out, 0, length, stream, 0);
        socket.getOutputStream().write(out);
        byte[] in = socket.getInputStream().readNBytes(length);
        assertEquals(length, in.length, "echo cut short");
        int mismatch = java.util.Arrays.mismatch(out, in);
        assertEquals(-1, mismatch, () -> Reliability.mismatchMessage("echo", stream, mismatch, in[mismatch]));
    }

    /** Reads {@code length} bytes of the stream from {@code offset}, checking each. */
    private static void readPattern(InputStream in, long stream, long offset, long length) throws IOException {
        byte[] buf = new byte[CHUNK];
        long done = 0;
        while (done < length) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, length - done));
            assertTrue(n > 0, "EOF after " + (offset + done) + " bytes of stream " + stream);
            int mismatch = Reliability.verifyPattern(buf, 0, n, stream, offset + done);
            if (mismatch >= 0) {
                throw new AssertionError(Reliability.mismatchMessage("stream from the server", stream,
                        offset + done + mismatch, buf[mismatch]));
            }
            done += n;
        }
    }

    private static void resetAndClose(Socket socket) throws IOException {
        socket.setSoLinger(true, 0); // close() sends RST
        socket.close();
    }

    /** Whatever the channel reported (a failed write, exceptionCaught) is an IOException; printed for the record. */
    private static void assertOnlyIoExceptions(String what, PatternWriter writer) {
        Throwable writeFailure = writer.writeFailure.getNow(null);
        Throwable exception = writer.exception.getNow(null);
        System.out.println(what + " after " + writer.sent() + " bytes queued: write failure=" + writeFailure
                + ", exceptionCaught=" + exception);
        if (writeFailure != null) {
            assertInstanceOf(IOException.class, writeFailure, what + ": " + writeFailure);
        }
        if (exception != null) {
            assertResetSeen(what, exception);
        }
    }

    /**
     * The reset reached the application as what it is: a NativeIoException naming ECONNRESET or EPIPE, through
     * exceptionCaught or as (the cause of) the queued writes' failure, as NIO reports "Connection reset by peer".
     * A bare ClosedChannelException would make a reset look like a clean close.
     */
    private static void assertResetReported(String what, PatternWriter writer) {
        for (Throwable t : new Throwable[] {writer.exception.getNow(null), writer.writeFailure.getNow(null)}) {
            for (; t != null; t = t.getCause()) {
                if (t instanceof NativeIoException) {
                    int errno = ((NativeIoException) t).errno();
                    if (errno == Errno.ECONNRESET || errno == Errno.EPIPE) {
                        return;
                    }
                }
            }
        }
        throw new AssertionError(what + ": the reset was reported as a clean close: write failure="
                + writer.writeFailure.getNow(null) + " (cause " + (writer.writeFailure.getNow(null) == null ? null
                : writer.writeFailure.getNow(null).getCause()) + "), exceptionCaught=" + writer.exception.getNow(null));
    }

    /** The channel reported the reset itself: a NativeIoException naming ECONNRESET or EPIPE. */
    private static void assertResetSeen(String what, Throwable cause) {
        assertInstanceOf(NativeIoException.class, cause, what + ": " + cause);
        int errno = ((NativeIoException) cause).errno();
        assertTrue(errno == Errno.ECONNRESET || errno == Errno.EPIPE,
                what + ": expected ECONNRESET or EPIPE, got " + cause);
    }

    @Test
    void peerResetMidWriteFailsOnlyThatChannel() throws Exception {
        InetSocketAddress address = startServer(false);
        Socket healthy = connect(address, 'E');
        assertEchoes(healthy, 1, 10_000);

        Socket resetter = connect(address, 'S');
        PatternWriter writer = writers.poll(10, TimeUnit.SECONDS);
        assertNotNull(writer, "the streaming connection never started");
        readPattern(resetter.getInputStream(), writer.stream, 0, 1 << 20);
        resetAndClose(resetter);

        writer.closed.get(10, TimeUnit.SECONDS);
        Reliability.awaitCondition(5000, () -> writer.unreleased() == 0,
                () -> writer.unreleased() + " written buffers not released after the reset");
        assertOnlyIoExceptions("reset mid-write", writer);
        assertEchoes(healthy, 2, 100_000);
        assertEchoes(connect(address, 'E'), 3, 100_000);
        assertTrue(server.isActive());
        // Last, so that the checks above run whatever the report says.
        assertResetReported("reset mid-write", writer);
    }

    @Test
    void peerResetMidReadFailsOnlyThatChannel() throws Exception {
        InetSocketAddress address = startServer(false);
        Socket healthy = connect(address, 'E');
        assertEchoes(healthy, 1, 10_000);

        Socket resetter = connect(address, 'R');
        PatternReader reader = readers.poll(10, TimeUnit.SECONDS);
        assertNotNull(reader, "the reading connection never started");
        OutputStream out = resetter.getOutputStream();
        byte[] chunk = new byte[CHUNK];
        long written = 0;
        for (int i = 0; i < 64; i++) { // 4 MiB: the server is still reading when the reset comes
            Reliability.fillPattern(chunk, 0, CHUNK, reader.stream, written);
            out.write(chunk);
            written += CHUNK;
        }
        resetAndClose(resetter);

        long received = reader.closed.get(10, TimeUnit.SECONDS);
        assertNull(reader.mismatch(), reader.mismatch());
        assertTrue(received <= written, received + " > " + written);
        Throwable cause = reader.exception.getNow(null);
        System.out.println("reset mid-read after " + received + " of " + written + " bytes: " + cause);
        assertNotNull(cause, "the channel closed without reporting the reset");
        assertResetSeen("reset mid-read", cause);
        // The failure names the read op: RECV, or READV when the run makes READV the default read mode.
        String readOp = "readv".equalsIgnoreCase(System.getProperty("iouring4j.streamReadMode")) ? "READV" : "RECV";
        assertTrue(cause.getMessage().startsWith(readOp), cause.getMessage());

        assertEchoes(healthy, 2, 100_000);
        assertEchoes(connect(address, 'E'), 3, 100_000);
    }

    /** A peer that sends and closes before we read anything: all its data is still delivered, then EOF. */
    @Test
    void dataFromAPeerThatClosedBeforeWeReadIsStillDelivered() throws Exception {
        BlockingQueue<PatternReader> quiet = new LinkedBlockingQueue<>();
        server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Here rather than childOption(AUTO_READ, false), which fails before registration
                        // (AutoReadOptionTest); now, before channelActive, it still prevents the first read.
                        ch.config().setAutoRead(false);
                        PatternReader reader = new PatternReader(77);
                        ch.pipeline().addLast(reader);
                        quiet.add(reader);
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        InetSocketAddress address = (InetSocketAddress) server.localAddress();
        int length = 64 * 1024;
        byte[] data = new byte[length];
        Reliability.fillPattern(data, 0, length, 77, 0);
        try (Socket client = new Socket(address.getAddress(), address.getPort())) {
            client.getOutputStream().write(data);
        } // closed: FIN after the data, nothing unread on the client's side
        PatternReader reader = quiet.poll(10, TimeUnit.SECONDS);
        assertNotNull(reader);
        Channel child = reader.active.get(10, TimeUnit.SECONDS);
        // Like epoll (EPOLLRDHUP), the transport may already be reading through to the peer's EOF: a peer that
        // half-closed is read even with auto-read off. Either way, everything must arrive.
        child.config().setAutoRead(true);
        long received = reader.closed.get(10, TimeUnit.SECONDS);
        assertNull(reader.mismatch(), reader.mismatch());
        assertEquals(length, received, "bytes delivered before EOF");
        assertFalse(reader.exception.isDone(), () -> "a clean close reported " + reader.exception.join());
    }

    /**
     * The peer closes with our data unread in its receive buffer: its kernel answers with RST (after the FIN that
     * the JDK's Socket.close() sends first), only that channel ends, its buffers are released, and the loop
     * serves the next connection. With the FIN first, a clean EOF is a correct report; the writes still queued
     * fail, with IOExceptions.
     */
    @Test
    void peerClosingWithOurDataUnreadFailsOnlyThatChannel() throws Exception {
        InetSocketAddress address = startServer(false);
        Socket healthy = connect(address, 'E');
        Socket rude = connect(address, 'S');
        rude.setReceiveBufferSize(16 * 1024);
        PatternWriter writer = writers.poll(10, TimeUnit.SECONDS);
        assertNotNull(writer);
        writer.becameUnwritable.get(10, TimeUnit.SECONDS);
        InputStream unread = rude.getInputStream();
        Reliability.awaitCondition(5000, () -> {
            try {
                return unread.available() > 0;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, () -> "no data from the server arrived");
        rude.close(); // unread data: the kernel resets instead of a FIN

        writer.closed.get(10, TimeUnit.SECONDS);
        Reliability.awaitCondition(5000, () -> writer.unreleased() == 0,
                () -> writer.unreleased() + " written buffers not released after the peer closed");
        assertOnlyIoExceptions("peer closed with unread data", writer);
        assertEchoes(healthy, 5, 100_000);
        assertEchoes(connect(address, 'E'), 6, 100_000);
    }

    /**
     * Half-open: the peer shuts its output down while we are still writing to it. With ALLOW_HALF_CLOSURE the
     * channel gets ChannelInputShutdownEvent, stays active, and every byte written afterwards still arrives.
     */
    @Test
    void halfClosedPeerStillReceivesEverythingWeWrite() throws Exception {
        streamTotal = 32L << 20;
        InetSocketAddress address = startServer(true);
        Socket client = connect(address, 'S');
        PatternWriter writer = writers.poll(10, TimeUnit.SECONDS);
        assertNotNull(writer);
        readPattern(client.getInputStream(), writer.stream, 0, 1 << 20);
        client.shutdownOutput();

        long sentAtShutdown = writer.inputShutdown.get(10, TimeUnit.SECONDS);
        assertTrue(sentAtShutdown < streamTotal, "the peer's shutdown arrived only after everything was written");
        Channel child = writer.channel;
        assertTrue(child.isActive(), "the channel closed on the peer's shutdownOutput despite ALLOW_HALF_CLOSURE");
        assertTrue(((SocketChannel) child).isInputShutdown());
        assertFalse(((SocketChannel) child).isOutputShutdown());

        readPattern(client.getInputStream(), writer.stream, 1 << 20, streamTotal - (1 << 20));
        assertEquals(-1, client.getInputStream().read(), "more bytes than were written");
        writer.done.get(10, TimeUnit.SECONDS);
        writer.closed.get(10, TimeUnit.SECONDS);
        assertFalse(writer.writeFailure.isDone(), () -> "a write failed: " + writer.writeFailure.join());
        assertFalse(writer.exception.isDone(), () -> "exceptionCaught: " + writer.exception.join());
        System.out.println("half-closed at " + sentAtShutdown + " bytes written; all " + streamTotal
                + " bytes delivered afterwards");
    }
}
