package org.iouring4j.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A TCP (or Unix domain socket) echo server: every byte a client sends comes straight back. The classic transport
 * benchmark target, driven by {@link EchoClient}.
 *
 * <p>Run from the benchmarks' shaded jar, which holds the examples and all they need (built by
 * {@code mvn -B -q -DskipTests package}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8007 org.iouring4j.examples.EchoServer
 * </pre>
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code -Dtransport=iouring4j}: {@code iouring4j}, {@code nio}, {@code epoll} or {@code netty-iouring}
 *       (see {@link Transport})</li>
 *   <li>{@code -Dhost=127.0.0.1}, {@code -Dport=8007}: where to listen; port 0 picks a free one, printed
 *       on the first line of output</li>
 *   <li>{@code -Dthreads=1}: event-loop threads, accepting and serving alike</li>
 *   <li>{@code -Dunix=/path/to.sock}: listen on this Unix domain stream socket instead of TCP (host and port are
 *       then ignored), with the transport's Unix-socket channels ({@code nio} has none). A socket file left over
 *       from a killed run is removed first, and the file is removed again on exit; any other file at that path
 *       is left alone, and binding it fails</li>
 * </ul>
 *
 * <p>It runs until killed; on SIGTERM or Ctrl-C it prints the iouring4j loop counters (when on iouring4j)
 * and shuts down.
 */
public final class EchoServer {
    /**
     * Pooled direct buffers, explicitly: Netty 4.2's default allocator is the adaptive one, and a benchmark
     * should not depend on a default that changes between releases. Direct buffers are what the kernel reads
     * and writes without a copy.
     */
    static final ByteBufAllocator ALLOCATOR = new PooledByteBufAllocator(true);

    private EchoServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.fromSystemProperty();
        String host = ExampleProperties.stringProperty("host", "127.0.0.1");
        int port = ExampleProperties.intProperty("port", 8007, 0, 65535);
        int threads = ExampleProperties.intProperty("threads", 1, 1, 1024);
        String unix = ExampleProperties.stringProperty("unix", null);

        SocketAddress address;
        if (unix != null) {
            UnixSocketFile.removeIfStale(unix);
            address = new DomainSocketAddress(unix);
        } else {
            address = new InetSocketAddress(host, port);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        try {
            Channel server = start(transport, group, address);
            printListening("EchoServer", server, transport, threads);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop(group, server);
                if (unix != null) {
                    removeSocketFile(unix);
                }
            }, "echo-server-shutdown"));
            server.closeFuture().sync();
        } finally {
            // Also when binding failed: the loops' threads would otherwise keep the JVM running after main.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Binds an echo server on {@code group}, which accepts and serves alike; returns the listening channel. A
     * {@link DomainSocketAddress} gets the transport's Unix-socket channel, any other address its TCP one.
     */
    static Channel start(Transport transport, EventLoopGroup group, SocketAddress address)
            throws InterruptedException {
        boolean unix = address instanceof DomainSocketAddress;
        Class<? extends ServerChannel> channel = unix ? transport.serverDomainSocketChannel()
                : transport.serverChannel();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childHandler(EchoServerHandler.INSTANCE);
        if (!unix) {
            // Small echoes must not wait for Nagle's algorithm to batch them with data that never comes.
            bootstrap.childOption(ChannelOption.TCP_NODELAY, true);
        }
        return bootstrap.bind(address).sync().channel();
    }

    /**
     * The first line of a server's output, naming where it listens as {@code host:port} or {@code unix:path};
     * the benchmark runner reads the port and pid from it.
     */
    static void printListening(String name, Channel server, Transport transport, int threads) {
        SocketAddress local = server.localAddress();
        String where;
        if (local instanceof DomainSocketAddress) {
            where = "unix:" + ((DomainSocketAddress) local).path();
        } else {
            InetSocketAddress bound = (InetSocketAddress) local;
            where = bound.getAddress().getHostAddress() + ":" + bound.getPort();
        }
        System.out.printf(Locale.ROOT, "%s listening on %s (transport %s, %d event-loop thread%s, pid %d)%n",
                name, where, transport.id(), threads, threads == 1 ? "" : "s", ProcessHandle.current().pid());
    }

    /**
     * Removes a Unix socket's file once its server is closed. The channels of most transports remove it
     * themselves on close; this covers the others, and a close that did not get that far.
     */
    static void removeSocketFile(String path) {
        try {
            UnixSocketFile.removeIfStale(path);
        } catch (IOException e) {
            System.err.println("could not remove the socket file " + path + ": " + e);
        }
    }

    /**
     * Prints the loop counters, then closes {@code channels}, then everything else. Runs in a shutdown hook, so it
     * must finish on its own within a few seconds whatever state the loops are in.
     *
     * <p>The channels are closed explicitly, before their loops stop, because a Unix socket's file goes with its
     * listening channel's close, and Netty's epoll and io_uring loops were seen to terminate with that channel
     * still open.
     */
    static void stop(EventLoopGroup group, Channel... channels) {
        try {
            LoopCounters counters = LoopCounters.of(group);
            if (counters != null) {
                System.out.println("iouring4j loop counters: " + counters);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("could not read the loop counters: " + e);
        }
        for (Channel channel : channels) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Writes back what it reads and flushes once per read burst, not per read: the loop gathers everything a
     * burst produced into one write, as Netty's own echo example does.
     */
    @Sharable
    public static final class EchoServerHandler extends ChannelInboundHandlerAdapter {
        /** Stateless, so one instance serves every connection. */
        public static final EchoServerHandler INSTANCE = new EchoServerHandler();

        private EchoServerHandler() {
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A reset peer is routine for a server under load: drop that connection, keep serving the rest.
            ctx.close();
        }
    }
}
