package org.iouring4j.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A load client for {@link FileServer}: keeps {@code parallel} downloads running, each a connection read to its
 * end, a new one started whenever one completes, for a bounded time after a warmup. It counts the bytes that
 * arrive inside the measured window and checks that every download that ended got the whole file; downloads
 * still running when the window closes are stopped (closed by the client) and count only their bytes so far.
 *
 * <p>Run against a server started as in {@link FileServer}:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8009 -Dparallel=2 -Dbytes=1073741824 -Dseconds=10 \
 *     org.iouring4j.examples.DownloadClient
 * </pre>
 *
 * <p>System properties: {@code -Dtransport=iouring4j} (the client's own, see {@link Transport}),
 * {@code -Dhost=127.0.0.1}, {@code -Dport=8009}, {@code -Dparallel=2} (downloads at a time), {@code -Dbytes=0}
 * (the file's length, which every download must reach; 0 accepts any), {@code -Dwarmup=2}, {@code -Dseconds=10}.
 * It prints {@link EchoClient#MEASUREMENT_STARTED} and {@link EchoClient#MEASUREMENT_ENDED} at the window's edges,
 * as {@link EchoClient} does, for the benchmark runner.
 *
 * <p>Exit status: 0 when every download that ended was whole, 2 otherwise or when a connection failed.
 */
public final class DownloadClient {
    private DownloadClient() {
    }

    public static void main(String[] args) throws Exception {
        Config config = new Config(Transport.fromSystemProperty(),
                ExampleProperties.stringProperty("host", "127.0.0.1"),
                ExampleProperties.intProperty("port", 8009, 1, 65535),
                ExampleProperties.intProperty("parallel", 2, 1, 1024),
                Long.parseLong(ExampleProperties.stringProperty("bytes", "0")),
                ExampleProperties.secondsProperty("warmup", 2, 0, 600),
                ExampleProperties.secondsProperty("seconds", 10, 0.1, 3600));
        System.out.println("DownloadClient: " + config);
        Result result = run(config, new EchoClient.Phases() {
            @Override
            public void measuring() {
                System.out.println(EchoClient.MEASUREMENT_STARTED);
            }

            @Override
            public void measured() {
                System.out.println(EchoClient.MEASUREMENT_ENDED);
            }
        });
        result.print(System.out);
        if (result.failure != null) {
            System.exit(2);
        }
    }

    /** What a run does. */
    static final class Config {
        final Transport transport;
        final String host;
        final int port;
        final int parallel;
        final long expectedBytes;
        final double warmupSeconds;
        final double seconds;

        Config(Transport transport, String host, int port, int parallel, long expectedBytes, double warmupSeconds,
               double seconds) {
            if (expectedBytes < 0) {
                throw new IllegalArgumentException("-Dbytes must not be negative: " + expectedBytes);
            }
            this.transport = transport;
            this.host = host;
            this.port = port;
            this.parallel = parallel;
            this.expectedBytes = expectedBytes;
            this.warmupSeconds = warmupSeconds;
            this.seconds = seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d parallel download%s of %s from %s:%d, transport %s, %.1f s warmup"
                            + " + %.1f s measured", parallel, parallel == 1 ? "" : "s",
                    expectedBytes == 0 ? "any length" : expectedBytes + " B", host, port, transport.id(),
                    warmupSeconds, seconds);
        }
    }

    /** Runs the downloads and returns what was counted. Blocks for about {@code warmupSeconds + seconds}. */
    static Result run(Config config, EchoClient.Phases phases) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, config.transport.ioHandlerFactory());
        ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        long measureStart = System.nanoTime() + (long) (config.warmupSeconds * 1e9);
        long measureEnd = measureStart + (long) (config.seconds * 1e9);
        DownloadTally tally = new DownloadTally(config.expectedBytes, measureStart, measureEnd);
        Downloads downloads = new Downloads(config, tally, open);
        try {
            downloads.bootstrap = new Bootstrap()
                    .group(group)
                    .channel(config.transport.socketChannel())
                    .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                    .handler(downloads);
            // Started on the loop, like the downloads that replace them, so the tally has one thread only.
            group.next().execute(() -> {
                for (int i = 0; i < config.parallel; i++) {
                    downloads.start();
                }
            });
            EchoClient.sleepUntil(measureStart);
            phases.measuring();
            EchoClient.sleepUntil(measureEnd);
            phases.measured();
            group.next().submit(() -> downloads.stopping = true).syncUninterruptibly();
            open.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        } finally {
            // Waiting for the loop to terminate also makes the tally's counts visible to this thread.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        return new Result(config, tally);
    }

    /**
     * The downloads of a run, all on the client's one loop thread: starts them, and a new one whenever one ends
     * whole within the window.
     */
    private static final class Downloads extends ChannelInitializer<Channel> {
        private final Config config;
        private final DownloadTally tally;
        private final ChannelGroup open;
        private Bootstrap bootstrap;
        /** Set on the loop when the window has closed: connections closing from then on were closed by us. */
        private boolean stopping;

        Downloads(Config config, DownloadTally tally, ChannelGroup open) {
            this.config = config;
            this.tally = tally;
            this.open = open;
        }

        void start() {
            ChannelFuture connect = bootstrap.connect(InetSocketAddress.createUnresolved(config.host, config.port));
            open.add(connect.channel());
            connect.addListener(f -> {
                // A download started just before the window closed may still be connecting when the run closes
                // its connections: that is the run ending, not a failure.
                if (!f.isSuccess() && !stopping) {
                    tally.fail("connect failed: " + f.cause());
                }
            });
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new Download(this));
        }
    }

    /** One download's connection: counts what it reads, and reports its end. */
    private static final class Download extends ChannelInboundHandlerAdapter {
        private final Downloads downloads;
        private long received;

        Download(Downloads downloads) {
            this.downloads = downloads;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                received += n;
                downloads.tally.received(n, System.nanoTime());
            } finally {
                buf.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (downloads.tally.ended(received, downloads.stopping, System.nanoTime())) {
                downloads.start();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!downloads.stopping) {
                downloads.tally.fail(cause.toString());
            }
            ctx.close();
        }
    }

    /** What one run counted. */
    static final class Result {
        final Config config;
        final long measuredBytes;
        final long downloads;
        /** Why the run failed, or null. */
        final String failure;

        Result(Config config, DownloadTally tally) {
            this.config = config;
            this.measuredBytes = tally.measuredBytes();
            this.downloads = tally.downloads();
            this.failure = tally.failure();
        }

        double mib() {
            return measuredBytes / (double) (1 << 20);
        }

        double mibPerSecond() {
            return mib() / config.seconds;
        }

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "throughput: %.1f MiB/s (%.1f MiB in %.1f s), %d whole download%s%n",
                    mibPerSecond(), mib(), config.seconds, downloads, downloads == 1 ? "" : "s");
            if (failure != null) {
                out.println("FAILED: " + failure);
            }
            // One line of key=value pairs for scripts (the benchmark runner parses it).
            out.printf(Locale.ROOT, "result: mib_per_s=%.3f mib=%.3f downloads=%d seconds=%.3f status=%d%n",
                    mibPerSecond(), mib(), downloads, config.seconds, failure == null ? 0 : 2);
        }
    }
}
