package org.iouring4j.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * A load client for {@link EchoServer}: {@code connections} connections, each keeping {@code inflight} messages
 * of {@code size} bytes in flight, for a bounded time after a warmup. When done it prints the throughput
 * (messages and MiB per second), the round-trip latency percentiles, and whether every byte came back intact.
 *
 * <p>Run against a server started as in {@link EchoServer}:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8007 -Dconnections=16 -Dinflight=16 -Dsize=256 \
 *     -Dseconds=10 org.iouring4j.examples.EchoClient
 * </pre>
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code -Dtransport=iouring4j}: the client's own transport (see {@link Transport})</li>
 *   <li>{@code -Dhost=127.0.0.1}, {@code -Dport=8007}: the server</li>
 *   <li>{@code -Dunix=/path/to.sock}: connect to an {@link EchoServer} started with the same {@code -Dunix}, over
 *       the transport's Unix domain stream sockets instead of TCP ({@code nio} has none); host and port are then
 *       ignored</li>
 *   <li>{@code -Dconnections=1}, {@code -Dinflight=1}, {@code -Dsize=256}: the load shape; 1 in flight is
 *       strict ping-pong</li>
 *   <li>{@code -Dwarmup=2}, {@code -Dseconds=10}: seconds of unmeasured warmup, then of measurement
 *       (at most an hour)</li>
 *   <li>{@code -Dthreads=1}: the client's event-loop threads</li>
 * </ul>
 *
 * <p>A message's round trip is timed with {@link System#nanoTime()} from its write to the read that completes
 * its echo, and recorded into a preallocated {@link LatencyHistogram}. Each message starts with its sequence
 * number; each connection keeps a CRC32C of the stream it sent and of the stream it got back, and the run
 * passes only if both match everywhere (a lost, repeated or reordered message changes the CRC).
 *
 * <p>Exit status: 0 when every byte came back intact, 1 on a data mismatch, 2 when a connection failed or
 * did not drain in time.
 */
public final class EchoClient {
    /** Printed when the warmup ends and the measurement starts; the benchmark runner samples the server here. */
    public static final String MEASUREMENT_STARTED = "measurement started";
    /** Printed when the measurement ends, before draining; the runner samples the server again here. */
    public static final String MEASUREMENT_ENDED = "measurement ended";
    /** How long the connections may take to get their last echoes back after sending stops. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int SEQ_BYTES = Long.BYTES;

    private EchoClient() {
    }

    public static void main(String[] args) throws Exception {
        Config config = Config.fromSystemProperties(
                new Config(Transport.fromSystemProperty(), "127.0.0.1", 8007, null, 1, 1, 256, 1, 2, 10));
        System.out.println("EchoClient: " + config);
        Result result = run(config, new Phases() {
            @Override
            public void measuring() {
                System.out.println(MEASUREMENT_STARTED);
            }

            @Override
            public void measured() {
                System.out.println(MEASUREMENT_ENDED);
            }
        });
        result.print(System.out);
        if (result.status() != 0) {
            System.exit(result.status());
        }
    }

    /** Called on the thread running {@link #run} when the measured window opens and closes. */
    interface Phases {
        void measuring() throws InterruptedException;

        void measured() throws InterruptedException;
    }

    /** What a run does: the load shape, its timing and its transport. */
    static final class Config {
        final Transport transport;
        final String host;
        final int port;
        /** The server's Unix socket path, or null for TCP to {@code host:port}. */
        final String unix;
        final int connections;
        final int inflight;
        final int size;
        final int threads;
        final double warmupSeconds;
        final double seconds;

        Config(Transport transport, String host, int port, String unix, int connections, int inflight, int size,
               int threads, double warmupSeconds, double seconds) {
            if ((long) inflight * size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("inflight * size too large: " + inflight + " * " + size);
            }
            this.transport = transport;
            this.host = host;
            this.port = port;
            this.unix = unix;
            this.connections = connections;
            this.inflight = inflight;
            this.size = size;
            this.threads = threads;
            this.warmupSeconds = warmupSeconds;
            this.seconds = seconds;
        }

        /** {@code defaults}, with each setting given as a system property taking its place. */
        static Config fromSystemProperties(Config defaults) {
            return new Config(defaults.transport,
                    ExampleProperties.stringProperty("host", defaults.host),
                    ExampleProperties.intProperty("port", defaults.port, 0, 65535),
                    ExampleProperties.stringProperty("unix", defaults.unix),
                    ExampleProperties.intProperty("connections", defaults.connections, 1, 10_000),
                    ExampleProperties.intProperty("inflight", defaults.inflight, 1, 65_536),
                    ExampleProperties.intProperty("size", defaults.size, 1, 1 << 24),
                    ExampleProperties.intProperty("threads", defaults.threads, 1, 1024),
                    ExampleProperties.secondsProperty("warmup", defaults.warmupSeconds, 0, 600),
                    ExampleProperties.secondsProperty("seconds", defaults.seconds, 0.1, 3600));
        }

        Config withPort(int newPort) {
            return new Config(transport, host, newPort, unix, connections, inflight, size, threads, warmupSeconds,
                    seconds);
        }

        /** Where the server listens. */
        SocketAddress address() {
            return unix != null ? new DomainSocketAddress(unix) : InetSocketAddress.createUnresolved(host, port);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d connection%s x %d in flight x %d B to %s, transport %s,"
                    + " %d thread%s, %.1f s warmup + %.1f s measured", connections, connections == 1 ? "" : "s",
                    inflight, size, unix != null ? "unix:" + unix : host + ":" + port, transport.id(), threads,
                    threads == 1 ? "" : "s", warmupSeconds, seconds);
        }
    }

    /**
     * Connects, runs the load, drains, and returns what was measured. Blocks for about
     * {@code warmupSeconds + seconds}.
     */
    static Result run(Config config, Phases phases) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.threads, config.transport.ioHandlerFactory());
        EchoClientHandler[] handlers = new EchoClientHandler[config.connections];
        CountDownLatch drained = new CountDownLatch(config.connections);
        String failure = null;
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(config.unix != null ? config.transport.domainSocketChannel()
                            : config.transport.socketChannel())
                    .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR);
            if (config.unix == null) {
                bootstrap.option(ChannelOption.TCP_NODELAY, true);
            }
            SocketAddress server = config.address();
            // All connections exist before any sends, so that the warmup and the measurement see the full load.
            for (int i = 0; i < handlers.length; i++) {
                handlers[i] = new EchoClientHandler(config.size, config.inflight, new SplittableRandom(i), drained);
                bootstrap.handler(handlers[i]).connect(server).sync();
            }
            long measureStart = System.nanoTime() + secondsToNanos(config.warmupSeconds);
            long measureEnd = measureStart + secondsToNanos(config.seconds);
            for (EchoClientHandler handler : handlers) {
                handler.channel().eventLoop().execute(() -> handler.start(measureStart, measureEnd));
            }
            sleepUntil(measureStart);
            phases.measuring();
            sleepUntil(measureEnd);
            phases.measured();
            if (!drained.await(DRAIN_NANOS, TimeUnit.NANOSECONDS)) {
                failure = "the echoes did not drain within " + TimeUnit.NANOSECONDS.toSeconds(DRAIN_NANOS)
                        + " s after sending stopped";
            }
        } catch (Exception e) {
            // connect() failures arrive here: report them like any other failed run, with the cause.
            failure = e.toString();
        } finally {
            for (EchoClientHandler handler : handlers) {
                if (handler != null && handler.channel() != null) {
                    handler.channel().close();
                }
            }
            // Waiting for the loops to terminate also makes every handler's counters visible to this thread.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        return new Result(config, handlers, failure);
    }

    private static long secondsToNanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    /** Sleeps until {@link System#nanoTime()} reaches {@code deadline}. */
    static void sleepUntil(long deadline) throws InterruptedException {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** What one run measured, added up over its connections. */
    static final class Result {
        final Config config;
        final long messages;
        final LatencyHistogram latency = new LatencyHistogram();
        /** Why the run failed, or {@code null}. */
        final String failure;
        /** Connections whose echoed stream differed from the sent one; non-zero fails the run. */
        final int mismatches;
        final long verifiedBytes;

        Result(Config config, EchoClientHandler[] handlers, String runFailure) {
            this.config = config;
            long count = 0;
            long bytes = 0;
            int bad = 0;
            String failed = runFailure;
            for (EchoClientHandler h : handlers) {
                if (h == null) {
                    continue;
                }
                count += h.measuredMessages;
                latency.add(h.histogram);
                if (h.failure != null && failed == null) {
                    failed = h.failure;
                }
                if (h.receivedBytes != h.sentBytes || h.sentCrc.getValue() != h.receivedCrc.getValue()) {
                    bad++;
                } else {
                    bytes += h.receivedBytes;
                }
            }
            this.messages = count;
            this.mismatches = bad;
            this.verifiedBytes = bytes;
            this.failure = failed;
        }

        double messagesPerSecond() {
            return messages / config.seconds;
        }

        double mibPerSecond() {
            return messages * (double) config.size / config.seconds / (1 << 20);
        }

        /** 0 when every byte came back intact, 1 on a data mismatch, 2 when the run itself failed. */
        int status() {
            return failure != null ? 2 : mismatches != 0 ? 1 : 0;
        }

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "throughput: %.0f msg/s, %.2f MiB/s (%d messages in %.1f s)%n",
                    messagesPerSecond(), mibPerSecond(), messages, config.seconds);
            out.printf(Locale.ROOT, "latency: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, mean %.1f us, max %.1f us%n",
                    micros(latency.percentile(50)), micros(latency.percentile(99)),
                    micros(latency.percentile(99.9)), latency.mean() / 1e3, micros(latency.max()));
            if (failure != null) {
                out.println("FAILED: " + failure);
            } else if (mismatches != 0) {
                out.println("MISMATCH: " + mismatches + " connection(s) got back other bytes than they sent");
            } else {
                out.printf(Locale.ROOT, "verified: %d bytes echoed intact on %d connection(s)"
                        + " (CRC32C of sent and received streams equal)%n", verifiedBytes, config.connections);
            }
            // One line of key=value pairs for scripts (the benchmark runner parses it).
            out.printf(Locale.ROOT, "result: msg_per_s=%.1f mib_per_s=%.3f messages=%d seconds=%.3f p50_us=%.2f"
                    + " p99_us=%.2f p999_us=%.2f status=%d%n", messagesPerSecond(), mibPerSecond(), messages,
                    config.seconds, micros(latency.percentile(50)), micros(latency.percentile(99)),
                    micros(latency.percentile(99.9)), status());
        }

        private static double micros(long nanos) {
            return nanos / 1e3;
        }
    }

    /**
     * One connection's load: sends {@code inflight} messages, then one more each time an echo completes, until
     * the measurement ends; then waits for the echoes still on the way.
     *
     * <p>Echoes come back in order on one TCP stream, so the send times form a FIFO ring: a message completes
     * when {@code size} more bytes have arrived, and its send time is the oldest in the ring.
     */
    static final class EchoClientHandler extends ChannelInboundHandlerAdapter {
        private final int size;
        private final int inflight;
        /** The message template: random bytes, with each message's sequence number written over its front. */
        private final byte[] message;
        private final long[] sentAt;
        private final CountDownLatch drained;
        private final LatencyHistogram histogram = new LatencyHistogram();
        private final CRC32C sentCrc = new CRC32C();
        private final CRC32C receivedCrc = new CRC32C();
        private ChannelHandlerContext ctx;
        private long measureStart;
        private long measureEnd;
        private int oldest;
        private int pending;
        /** Bytes of the oldest pending message already echoed. */
        private int partial;
        private long sentMessages;
        private long sentBytes;
        private long receivedBytes;
        private long measuredMessages;
        private boolean needsFlush;
        private boolean finished;
        private String failure;

        EchoClientHandler(int size, int inflight, SplittableRandom random, CountDownLatch drained) {
            this.size = size;
            this.inflight = inflight;
            this.message = new byte[size];
            this.sentAt = new long[inflight];
            this.drained = drained;
            for (int i = 0; i < size; i++) {
                message[i] = (byte) random.nextInt();
            }
        }

        Channel channel() {
            return ctx == null ? null : ctx.channel();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        /** Runs on the connection's loop: opens the window and fills the pipe. */
        void start(long start, long end) {
            measureStart = start;
            measureEnd = end;
            if (!ctx.channel().isActive()) {
                finish("connection closed before the load started");
                return;
            }
            for (int i = 0; i < inflight; i++) {
                send();
            }
            ctx.flush();
        }

        private void send() {
            long seq = sentMessages++;
            for (int b = 0, n = Math.min(SEQ_BYTES, size); b < n; b++) {
                message[b] = (byte) (seq >>> (8 * b));
            }
            sentCrc.update(message, 0, size);
            sentBytes += size;
            ByteBuf buf = ctx.alloc().directBuffer(size, size).writeBytes(message);
            int slot = oldest + pending;
            sentAt[slot >= inflight ? slot - inflight : slot] = System.nanoTime();
            pending++;
            ctx.write(buf, ctx.voidPromise());
            needsFlush = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                updateCrc(receivedCrc, buf);
                receivedBytes += n;
                if (receivedBytes > sentBytes) {
                    fail("got back more bytes than it sent");
                    return;
                }
                // One timestamp per read: every message this read completes arrived at the same moment.
                long now = System.nanoTime();
                while (n > 0) {
                    int take = Math.min(n, size - partial);
                    partial += take;
                    n -= take;
                    if (partial == size) {
                        partial = 0;
                        completed(now);
                    }
                }
            } finally {
                buf.release();
            }
        }

        private static void updateCrc(CRC32C crc, ByteBuf buf) {
            if (buf.nioBufferCount() == 1) {
                // The buffer's own cached view: no ByteBuffer allocated per read.
                crc.update(buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes()));
            } else {
                for (ByteBuffer part : buf.nioBuffers()) {
                    crc.update(part);
                }
            }
        }

        private void completed(long now) {
            long roundTrip = now - sentAt[oldest];
            oldest = oldest + 1 == inflight ? 0 : oldest + 1;
            pending--;
            if (now >= measureStart && now < measureEnd) {
                histogram.record(roundTrip);
                measuredMessages++;
            }
            if (now < measureEnd) {
                send();
            } else if (pending == 0) {
                finish(null);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (needsFlush) {
                needsFlush = false;
                ctx.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!finished) {
                finish("connection closed with " + pending + " message(s) still in flight");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause.toString());
        }

        private void fail(String why) {
            finish(why);
            ctx.close();
        }

        private void finish(String why) {
            if (failure == null) {
                failure = why;
            }
            if (!finished) {
                finished = true;
                drained.countDown();
            }
        }
    }
}
