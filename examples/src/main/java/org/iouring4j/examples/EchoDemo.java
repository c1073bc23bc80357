package org.iouring4j.examples;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Netty echo end to end in one JVM: {@link EchoServer} on one iouring4j event loop, {@link EchoClient} on
 * another, over loopback TCP for a bounded time. Prints the throughput and latency, whether every byte came
 * back intact, and how the server's loop batched its {@code io_uring_enter} calls during the measurement.
 *
 * <p>Run (builds everything first; nothing is installed):
 * <pre>
 * mvn -B -q -pl examples -am -DskipTests -Pdemo verify
 * </pre>
 *
 * <p>System properties: {@code -Dtransport=iouring4j} (both sides; {@code nio}, {@code epoll},
 * {@code netty-iouring} for comparison), {@code -Dconnections=16}, {@code -Dinflight=16}, {@code -Dsize=256},
 * {@code -Dwarmup=1}, {@code -Dseconds=5}, as {@link EchoClient} reads them; {@code -Dunix=/path/to.sock} runs the
 * same echo over a Unix domain stream socket instead of loopback TCP.
 *
 * <p>Exit status: as {@link EchoClient}'s (0 when every byte came back intact).
 */
public final class EchoDemo {
    private EchoDemo() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.fromSystemProperty();
        EchoClient.Config defaults = new EchoClient.Config(transport, "127.0.0.1", 0, null, 16, 16, 256, 1, 1, 5);
        EchoClient.Config requested = EchoClient.Config.fromSystemProperties(defaults);

        EventLoopGroup serverGroup = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        EchoClient.Result result;
        ServerWindow window = new ServerWindow(serverGroup);
        Channel server = null;
        try {
            EchoClient.Config config;
            if (requested.unix != null) {
                UnixSocketFile.removeIfStale(requested.unix);
                server = EchoServer.start(transport, serverGroup, new DomainSocketAddress(requested.unix));
                config = requested;
            } else {
                server = EchoServer.start(transport, serverGroup, new InetSocketAddress(requested.host, 0));
                config = requested.withPort(((InetSocketAddress) server.localAddress()).getPort());
            }
            System.out.println("EchoDemo: EchoServer (1 event-loop thread) and EchoClient in one JVM: " + config);
            result = EchoClient.run(config, window);
        } finally {
            if (server != null) {
                // Closed before its loop stops, as EchoServer does: a Unix socket's file goes with this close.
                server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            serverGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
            if (requested.unix != null) {
                EchoServer.removeSocketFile(requested.unix);
            }
        }

        System.out.printf(Locale.ROOT, "echo on %s: %.0f msg/s, %.1f MiB/s, round trip p50 %.0f us / p99 %.0f us"
                        + " (%d messages in %.1f s)%n", transport.id(), result.messagesPerSecond(),
                result.mibPerSecond(), result.latency.percentile(50) / 1e3, result.latency.percentile(99) / 1e3,
                result.messages, requested.seconds);
        if (window.counters != null) {
            LoopCounters c = window.counters;
            System.out.printf(Locale.ROOT, "server loop (UringIoHandler): %.0f enters/s, %.2f SQEs per enter,"
                            + " %.2f CQEs per enter, %.3f enters per message, largest batch %d, CQ overflows %d%n",
                    c.enters / window.seconds, c.sqesPerEnter(), c.cqesPerEnter(),
                    (double) c.enters / Math.max(1, result.messages), c.largestBatch, c.cqOverflows);
        }
        if (result.status() == 0) {
            System.out.printf(Locale.ROOT, "verified: %d bytes echoed intact on %d connection(s)%n",
                    result.verifiedBytes, requested.connections);
        } else {
            result.print(System.out);
            System.exit(result.status());
        }
    }

    /** Snapshots the server loop's counters when the client's measurement opens and closes. */
    private static final class ServerWindow implements EchoClient.Phases {
        private final EventLoopGroup group;
        private LoopCounters atStart;
        private long startNanos;
        /** The counters' growth over the measurement; null when the server is not on iouring4j. */
        LoopCounters counters;
        double seconds;

        ServerWindow(EventLoopGroup group) {
            this.group = group;
        }

        @Override
        public void measuring() throws InterruptedException {
            atStart = LoopCounters.of(group);
            startNanos = System.nanoTime();
        }

        @Override
        public void measured() throws InterruptedException {
            LoopCounters atEnd = LoopCounters.of(group);
            seconds = (System.nanoTime() - startNanos) / 1e9;
            counters = atStart == null || atEnd == null ? null : atEnd.since(atStart);
        }
    }
}
