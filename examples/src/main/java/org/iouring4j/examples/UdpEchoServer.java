package org.iouring4j.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * A UDP echo server: every datagram comes straight back to its sender. Driven by {@link UdpEchoClient}.
 *
 * <p>Run from the benchmarks' shaded jar (built by {@code mvn -B -q -DskipTests package}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8007 org.iouring4j.examples.UdpEchoServer
 * </pre>
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code -Dtransport=iouring4j}: {@code iouring4j}, {@code nio}, {@code epoll} or {@code netty-iouring}
 *       (see {@link Transport})</li>
 *   <li>{@code -Dhost=127.0.0.1}, {@code -Dport=8007}: where to bind; port 0 picks a free one, printed on the
 *       first line of output</li>
 *   <li>{@code -Dthreads=1}: event-loop threads. A UDP socket is served by one loop, so with more than one the
 *       server binds one socket per loop to the same port with {@code SO_REUSEPORT}, and the kernel spreads the
 *       senders over them</li>
 * </ul>
 *
 * <p>Each socket asks for a 1 MiB receive buffer (the kernel caps it at {@code net.core.rmem_max}), the same on
 * every transport: the default, about 208 KiB, holds fewer than a hundred 1,400-byte datagrams (each costs the
 * socket some 2.3 KiB of kernel memory), so a server briefly descheduled by a busy machine would drop datagrams
 * for want of buffer rather than because of its transport.
 *
 * <p>It runs until killed; on SIGTERM or Ctrl-C it prints the iouring4j loop counters (when on iouring4j) and shuts
 * down.
 */
public final class UdpEchoServer {
    private static final int RECEIVE_BUFFER_BYTES = 1 << 20;

    private UdpEchoServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.fromSystemProperty();
        String host = ExampleProperties.stringProperty("host", "127.0.0.1");
        int port = ExampleProperties.intProperty("port", 8007, 0, 65535);
        int threads = ExampleProperties.intProperty("threads", 1, 1, 1024);

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel())
                .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
                .handler(UdpEchoHandler.INSTANCE);
        if (threads > 1) {
            bootstrap.option(transport.reusePort(), true);
        }
        try {
            // The first bind settles the port (port 0 picks one); the other sockets share it. Each channel
            // registers with the group's next loop, so every loop gets one.
            Channel first = bootstrap.bind(host, port).sync().channel();
            int bound = ((InetSocketAddress) first.localAddress()).getPort();
            for (int i = 1; i < threads; i++) {
                bootstrap.bind(host, bound).sync();
            }
            EchoServer.printListening("UdpEchoServer", first, transport, threads);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> EchoServer.stop(group),
                    "udp-echo-server-shutdown"));
            first.closeFuture().sync();
        } finally {
            // Also when binding failed: the loops' threads would otherwise keep the JVM running after main.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Sends each datagram's buffer back to its sender, without a copy, and flushes once per read burst: on the
     * io_uring transports a burst's echoes then go to the kernel together.
     */
    @Sharable
    static final class UdpEchoHandler extends ChannelInboundHandlerAdapter {
        static final UdpEchoHandler INSTANCE = new UdpEchoHandler();
        /** Only the first failure is printed: one that repeats per datagram would flood the output. */
        private volatile boolean failureReported;

        private UdpEchoHandler() {
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            // The reply takes over the received buffer: released once sent, so the packet is not released here.
            ctx.write(new DatagramPacket(packet.content(), packet.sender()), ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A send that failed concerns one datagram to one peer: keep serving everyone else, unlike a TCP
            // server, which drops the one connection at fault. Sends still queued when the server closes fail as
            // closed: expected at shutdown, not worth a line.
            if (!failureReported && !(cause instanceof ClosedChannelException)) {
                failureReported = true;
                System.err.println("UdpEchoServer: " + cause + " (further failures not printed)");
            }
        }
    }
}
