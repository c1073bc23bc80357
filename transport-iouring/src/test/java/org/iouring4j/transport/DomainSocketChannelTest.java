package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.unix.PeerCredentials;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is particular to Unix domain stream channels: path and abstract addresses, the socket file's lifetime,
 * a bind over an existing file, the peer's credentials, and the channel's fd as Netty's Unix API gives it.
 */
@ExtendWith(RequiresUring.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DomainSocketChannelTest {
    @TempDir
    Path dir;
    private MultiThreadIoEventLoopGroup group;

    @AfterEach
    void shutdown() throws InterruptedException {
        if (group != null) {
            assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        }
    }

    private Channel echoServer(DomainSocketAddress address) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(UringServerDomainSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }
                }).bind(address).sync().channel();
    }

    /** Connects, sends "hello", returns the echo (the channel stays open). */
    private UringDomainSocketChannel echoOnce(DomainSocketAddress address, CompletableFuture<String> echo)
            throws InterruptedException {
        Channel client = new Bootstrap().group(group).channel(UringDomainSocketChannel.class)
                .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                        echo.complete(msg.toString(StandardCharsets.UTF_8));
                    }
                }).connect(address).sync().channel();
        client.writeAndFlush(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
        return (UringDomainSocketChannel) client;
    }

    @Test
    void aPathServerEchoesKnowsItsPeerAndRemovesItsFileWhenClosed() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        Path file = dir.resolve("echo.sock");
        DomainSocketAddress address = new DomainSocketAddress(file.toString());
        Channel server = echoServer(address);
        assertEquals(address, server.localAddress());
        assertTrue(Files.exists(file), "bind made no socket file");

        CompletableFuture<String> echo = new CompletableFuture<>();
        UringDomainSocketChannel client = echoOnce(address, echo);
        assertEquals("hello", echo.get(10, TimeUnit.SECONDS));
        assertEquals(address, client.remoteAddress());
        assertNull(client.localAddress(), "an unbound client has no name");
        PeerCredentials peer = client.peerCredentials();
        assertEquals(ProcessHandle.current().pid(), peer.pid());
        assertEquals(client.socketFd(), client.fd().intValue());
        assertTrue(client.fd().isOpen());
        assertThrows(UnsupportedOperationException.class, () -> client.fd().close(), "the channel owns its fd");

        client.close().sync();
        assertFalse(client.fd().isOpen());
        server.close().sync();
        assertFalse(Files.exists(file), "the socket file outlived its server");
    }

    @Test
    void anAbstractNameWorksWithoutAFile() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        DomainSocketAddress address = new DomainSocketAddress("\0iouring4j-test-" + ProcessHandle.current().pid());
        Channel server = echoServer(address);
        assertEquals(address, server.localAddress());
        CompletableFuture<String> echo = new CompletableFuture<>();
        Channel client = echoOnce(address, echo);
        assertEquals("hello", echo.get(10, TimeUnit.SECONDS));
        client.close().sync();
        server.close().sync();
    }

    /**
     * A server passes an open file's fd to a client in FILE_DESCRIPTORS read mode; the client reads the file
     * through the fd it received, and closes it (which works without Netty's JNI library). The sender's own fd is
     * unaffected.
     */
    @Test
    void anOpenFilesFdPassesOverTheSocketAndReadsTheFile() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        Path file = Files.writeString(dir.resolve("data.txt"), "the content of a file");
        int fileFd = FileDescriptors.open(file.toString(), FileDescriptors.O_RDONLY, 0);
        DomainSocketAddress address = new DomainSocketAddress(dir.resolve("fd.sock").toString());
        CompletableFuture<Boolean> sent = new CompletableFuture<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerDomainSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(new FileDescriptor(fileFd))
                                .addListener(f -> sent.complete(f.isSuccess()));
                    }
                }).bind(address).sync().channel();
        CompletableFuture<FileDescriptor> received = new CompletableFuture<>();
        Channel client = new Bootstrap().group(group).channel(UringDomainSocketChannel.class)
                .option(UnixChannelOption.DOMAIN_SOCKET_READ_MODE, DomainSocketReadMode.FILE_DESCRIPTORS)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.complete((FileDescriptor) msg);
                    }
                }).connect(address).sync().channel();
        try {
            assertTrue(sent.get(10, TimeUnit.SECONDS), "the fd write failed");
            FileDescriptor fd = received.get(10, TimeUnit.SECONDS);
            assertInstanceOf(UringFileDescriptor.class, fd);
            assertTrue(fd.intValue() != fileFd, "a new fd number in this process, for the same open file");
            try (NativeMemory buffer = NativeMemory.allocate(64)) {
                int n = FileDescriptors.read(fd.intValue(), buffer.address(), 64);
                byte[] bytes = new byte[n];
                buffer.get(0, bytes, 0, n);
                assertEquals("the content of a file", new String(bytes, StandardCharsets.UTF_8));
            }
            fd.close();
            assertFalse(fd.isOpen());
        } finally {
            client.close().sync();
            server.close().sync();
            FileDescriptors.close(fileFd); // still ours: passing it sent a copy
        }
    }

    /** Unlike Netty's epoll transport, which removes whatever is at the path first, the bind refuses. */
    @Test
    void bindingOverAnExistingFileFailsNamingThePathAndKeepsTheFile() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        Path taken = Files.createFile(dir.resolve("taken.sock"));
        ChannelFuture bind = new ServerBootstrap().group(group).channel(UringServerDomainSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter())
                .bind(new DomainSocketAddress(taken.toString())).await();
        assertFalse(bind.isSuccess());
        NativeIoException cause = assertInstanceOf(NativeIoException.class, bind.cause());
        assertEquals(Errno.EADDRINUSE, cause.errno());
        assertTrue(cause.getMessage().contains(taken.toString()), cause.getMessage());
        assertTrue(Files.exists(taken), "the existing file was removed");
    }
}
