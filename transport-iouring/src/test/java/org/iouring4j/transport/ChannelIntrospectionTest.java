package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.TcpInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a channel tells about its socket: {@code fd()}, Netty's {@link UnixChannel} view of the socket itself, and
 * {@code tcpInfo()}, the kernel's view of a TCP connection, both checked against the kernel on loopback.
 */
@ExtendWith(RequiresUring.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChannelIntrospectionTest {
    private static final int PAYLOAD = 64 * 1024;

    private MultiThreadIoEventLoopGroup group;

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
    }

    @AfterEach
    void shutdown() throws InterruptedException {
        if (group != null) {
            assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        }
    }

    /**
     * Every IP channel is a {@link UnixChannel} whose fd is its own socket: the kernel names the fd a socket, and
     * that socket has the channel's addresses. Closing the channel reports the fd closed at once; the number stays
     * (as with Netty's own channels), and once the loop is gone no socket of the channel's is left under it.
     */
    @Test
    void fdIsTheChannelsOwnSocketAndReportsClosedWithTheChannel() throws Exception {
        CompletableFuture<Channel> child = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        child.complete(ch);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        Channel client = new Bootstrap().group(group).channel(UringSocketChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).connect(server.localAddress()).sync().channel();
        Channel accepted = child.get(5, TimeUnit.SECONDS);
        Channel datagram = new Bootstrap().group(group).channel(UringDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(new InetSocketAddress("127.0.0.1", 0)).sync()
                .channel();

        Channel[] channels = {server, client, accepted, datagram};
        String[] links = new String[channels.length];
        for (int i = 0; i < channels.length; i++) {
            FileDescriptor fd = assertInstanceOf(UnixChannel.class, channels[i]).fd();
            assertSame(fd, ((UnixChannel) channels[i]).fd(), "one descriptor per channel");
            assertTrue(fd.isOpen());
            links[i] = fdLink(fd.intValue());
            assertTrue(links[i].startsWith("socket:["), channels[i] + ": fd " + fd.intValue() + " is " + links[i]);
            assertEquals(channels[i].localAddress(), LinuxSocket.localAddress(fd.intValue()), channels[i].toString());
        }
        assertEquals(client.localAddress(), LinuxSocket.remoteAddress(((UnixChannel) accepted).fd().intValue()),
                "the accepted channel's fd is connected to the client");
        assertThrows(UnsupportedOperationException.class, () -> ((UnixChannel) client).fd().close(),
                "the channel owns its fd");

        int[] numbers = new int[channels.length];
        for (int i = 0; i < channels.length; i++) {
            FileDescriptor fd = ((UnixChannel) channels[i]).fd();
            numbers[i] = fd.intValue();
            channels[i].close().sync();
            assertFalse(fd.isOpen(), "closed with its channel: " + channels[i]);
            assertEquals(numbers[i], fd.intValue(), "the number stays, as Netty's FileDescriptor keeps it");
        }
        assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        group = null;
        for (int i = 0; i < channels.length; i++) {
            assertNotEquals(links[i], fdLinkOrNull(numbers[i]), "socket of " + channels[i] + " still open");
        }
    }

    /**
     * {@code tcpInfo()} on an established loopback connection: both ends are ESTABLISHED, the client's counters
     * grow by exactly what it wrote once the server's answer (which carries the ACK of it all) has been read, and
     * the round-trip time has been measured.
     */
    @Test
    void tcpInfoFollowsTheConnection() throws Exception {
        CompletableFuture<UringSocketChannel> child = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new AnswerAfter(PAYLOAD));
                        child.complete((UringSocketChannel) ch);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        CompletableFuture<Void> answered = new CompletableFuture<>();
        UringSocketChannel client = (UringSocketChannel) new Bootstrap().group(group).channel(UringSocketChannel.class)
                .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        answered.complete(null);
                    }
                }).connect(server.localAddress()).sync().channel();
        UringSocketChannel accepted = child.get(5, TimeUnit.SECONDS);

        TcpInfo before = client.tcpInfo();
        assertEquals(TcpInfo.TCP_ESTABLISHED, before.state());
        assertEquals(TcpInfo.TCP_ESTABLISHED, accepted.tcpInfo().state());

        client.writeAndFlush(Unpooled.wrappedBuffer(new byte[PAYLOAD])).sync();
        answered.get(5, TimeUnit.SECONDS);
        TcpInfo after = new TcpInfo();
        assertSame(after, client.tcpInfo(after), "fills the snapshot it is given");
        System.out.println("client after " + PAYLOAD + " bytes: " + after);

        assertEquals(PAYLOAD, after.bytesAcked() - before.bytesAcked(), "tcpi_bytes_acked");
        assertEquals(PAYLOAD, after.bytesSent() - before.bytesSent(), "tcpi_bytes_sent");
        assertTrue(after.segsOut() > before.segsOut(), "tcpi_segs_out");
        assertTrue(after.dataSegsOut() > before.dataSegsOut(), "tcpi_data_segs_out");
        assertEquals(1, after.bytesReceived() - before.bytesReceived(), "the answer's byte");
        assertTrue(after.rtt() > 0, "tcpi_rtt");
        assertTrue(accepted.tcpInfo().bytesReceived() >= PAYLOAD, "tcpi_bytes_received of the accepted end");

        client.close().sync();
        assertThrows(ChannelException.class, client::tcpInfo, "a closed channel's fd number is not read");
        server.close().sync();
    }

    /** Answers one byte once {@code expected} bytes came in. */
    private static final class AnswerAfter extends SimpleChannelInboundHandler<ByteBuf> {
        private int remaining;

        AnswerAfter(int expected) {
            this.remaining = expected;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            remaining -= msg.readableBytes();
            if (remaining == 0) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[1]));
            }
        }
    }

    private static String fdLink(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    }

    private static String fdLinkOrNull(int fd) throws IOException {
        try {
            return fdLink(fd);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
