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

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A TCP echo server: every byte a client sends comes straight back. The classic transport benchmark target,
 * driven by {@link EchoClient}.
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

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        Channel server = start(transport, group, new InetSocketAddress(host, port));
        printListening("EchoServer", server, transport, threads);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(group), "echo-server-shutdown"));
        server.closeFuture().sync();
    }

    /** Binds an echo server on {@code group}, which accepts and serves alike; returns the listening channel. */
    static Channel start(Transport transport, EventLoopGroup group, InetSocketAddress address)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                // Small echoes must not wait for Nagle's algorithm to batch them with data that never comes.
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(EchoServerHandler.INSTANCE)
                .bind(address)
                .sync()
                .channel();
    }

    /** The first line of a server's output; the benchmark runner reads the port from it. */
    static void printListening(String name, Channel server, Transport transport, int threads) {
        InetSocketAddress bound = (InetSocketAddress) server.localAddress();
        System.out.printf(Locale.ROOT, "%s listening on %s:%d (transport %s, %d event-loop thread%s, pid %d)%n",
                name, bound.getAddress().getHostAddress(), bound.getPort(), transport.id(), threads,
                threads == 1 ? "" : "s", ProcessHandle.current().pid());
    }

    /**
     * Prints the loop counters, then closes everything. Runs in a shutdown hook, so it must finish on its own
     * within a few seconds whatever state the loops are in.
     */
    static void stop(EventLoopGroup group) {
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
