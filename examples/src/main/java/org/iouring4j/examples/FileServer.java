package org.iouring4j.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A file download server: every connection it accepts gets the whole of one file, written as a
 * {@link DefaultFileRegion} (the zero-copy path a transport offers for files, {@code sendfile} on NIO and epoll),
 * and is closed once the last byte is sent. Whatever the client sends is ignored. Driven by {@link DownloadClient}.
 *
 * <p>Run:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dfile=/tmp/big.bin -Dport=8009 org.iouring4j.examples.FileServer
 * </pre>
 *
 * <p>System properties: {@code -Dfile=PATH} (required: the regular file to serve), and as {@link EchoServer}'s:
 * {@code -Dtransport=iouring4j} ({@code nio}, {@code epoll}, {@code netty-iouring}), {@code -Dhost=127.0.0.1},
 * {@code -Dport=8009} (0 picks a free one, printed), {@code -Dthreads=1}.
 */
public final class FileServer {
    private FileServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.fromSystemProperty();
        String host = ExampleProperties.stringProperty("host", "127.0.0.1");
        int port = ExampleProperties.intProperty("port", 8009, 0, 65535);
        int threads = ExampleProperties.intProperty("threads", 1, 1, 1024);
        String path = ExampleProperties.stringProperty("file", null);
        if (path == null) {
            throw new IllegalArgumentException("-Dfile=PATH is required: the file every connection downloads");
        }
        File file = new File(path);

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        try {
            Channel server = start(transport, group, new InetSocketAddress(host, port), file);
            EchoServer.printListening("FileServer", server, transport, threads);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> EchoServer.stop(group, server),
                    "file-server-shutdown"));
            server.closeFuture().sync();
        } finally {
            // Also when binding failed: the loops' threads would otherwise keep the JVM running after main.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Binds a server on {@code group} that sends {@code file} to every connection; returns the listening channel.
     *
     * @throws IllegalArgumentException when {@code file} is not a readable regular file
     */
    static Channel start(Transport transport, EventLoopGroup group, SocketAddress address, File file)
            throws InterruptedException {
        if (!file.isFile() || !file.canRead()) {
            throw new IllegalArgumentException("not a readable regular file: " + file);
        }
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                .childOption(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                .childHandler(new FileHandler(file, file.length()))
                .bind(address)
                .sync()
                .channel();
    }

    /** Sends the file as one region as soon as a connection is up, then closes it. */
    @Sharable
    static final class FileHandler extends ChannelInboundHandlerAdapter {
        private final File file;
        /** Read once at start: every download is the same length, even if the file changes meanwhile. */
        private final long length;

        FileHandler(File file, long length) {
            this.file = file;
            this.length = length;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            // The region opens the file on its first transfer and closes it when released, so a connection
            // holds a file descriptor only while its download runs.
            ctx.writeAndFlush(new DefaultFileRegion(file, 0, length)).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that stops a download early resets the connection: routine, drop that one.
            ctx.close();
        }
    }
}
