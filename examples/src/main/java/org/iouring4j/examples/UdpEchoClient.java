package org.iouring4j.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A load client for {@link UdpEchoServer}: {@code clients} UDP sockets, each keeping {@code inflight} datagrams of
 * {@code size} bytes in flight, for a bounded time after a warmup. When done it prints the datagrams echoed per
 * second, the share lost, and the round-trip latency percentiles.
 *
 * <p>Run against a server started as in {@link UdpEchoServer}:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8007 -Dclients=4 -Dinflight=32 -Dsize=1400 -Dseconds=10 \
 *     org.iouring4j.examples.UdpEchoClient
 * </pre>
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code -Dtransport=iouring4j}: the client's own transport (see {@link Transport})</li>
 *   <li>{@code -Dhost=127.0.0.1}, {@code -Dport=8007}: the server</li>
 *   <li>{@code -Dclients=1}, {@code -Dinflight=1}, {@code -Dsize=64}: the load shape; a datagram carries at least
 *       its 8-byte sequence number</li>
 *   <li>{@code -DlossTimeoutMillis=100}: a datagram not echoed within this long is lost</li>
 *   <li>{@code -Dwarmup=2}, {@code -Dseconds=10}: seconds of unmeasured warmup, then of measurement</li>
 *   <li>{@code -Dthreads=1}: the client's event-loop threads</li>
 * </ul>
 *
 * <p>UDP may drop a datagram anywhere, so none is waited for forever: every {@code lossTimeoutMillis / 4} each
 * socket declares lost the datagrams older than the timeout and sends new ones in their place, so the window never
 * stalls ({@link DatagramWindow}). Echoes and losses count when they are decided: an echo when it arrives, a loss
 * when its timeout is noticed, each only inside the measurement window. The loss is {@code lost / (echoed + lost)};
 * an echo arriving after its datagram was declared lost counts as late, not as echoed. Every echo is checked: it
 * must have the size and the bytes that were sent.
 *
 * <p>Exit status: 0 when every echo came back intact, 1 when one differed from what was sent, 2 when a socket
 * failed or no echo came back at all.
 */
public final class UdpEchoClient {
    private static final int SEQ_BYTES = Long.BYTES;
    /** The largest UDP payload over IPv4. */
    private static final int MAX_SIZE = 65_507;
    /** How often each socket looks for lost datagrams, as a share of the loss timeout. */
    private static final int EXPIRY_CHECKS_PER_TIMEOUT = 4;
    /** Beyond the loss timeout, how long the sockets may take to settle their last datagrams. */
    private static final long DRAIN_SLACK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private UdpEchoClient() {
    }

    public static void main(String[] args) throws Exception {
        Config config = new Config();
        System.out.println("UdpEchoClient: " + config);
        EchoClient.Phases phases = new EchoClient.Phases() {
            @Override
            public void measuring() {
                System.out.println(EchoClient.MEASUREMENT_STARTED);
            }

            @Override
            public void measured() {
                System.out.println(EchoClient.MEASUREMENT_ENDED);
            }
        };
        Result result = run(config, phases);
        result.print(System.out);
        if (result.status() != 0) {
            System.exit(result.status());
        }
    }

    /** What a run does, from system properties. */
    static final class Config {
        final Transport transport = Transport.fromSystemProperty();
        final String host = ExampleProperties.stringProperty("host", "127.0.0.1");
        final int port = ExampleProperties.intProperty("port", 8007, 1, 65535);
        final int clients = ExampleProperties.intProperty("clients", 1, 1, 10_000);
        final int inflight = ExampleProperties.intProperty("inflight", 1, 1, 65_536);
        final int size = ExampleProperties.intProperty("size", 64, SEQ_BYTES, MAX_SIZE);
        final int lossTimeoutMillis = ExampleProperties.intProperty("lossTimeoutMillis", 100, 1, 60_000);
        final int threads = ExampleProperties.intProperty("threads", 1, 1, 1024);
        final double warmupSeconds = ExampleProperties.secondsProperty("warmup", 2, 0, 600);
        final double seconds = ExampleProperties.secondsProperty("seconds", 10, 0.1, 3600);

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d client%s x %d in flight x %d B to %s:%d, transport %s,"
                    + " %d thread%s, loss timeout %d ms, %.1f s warmup + %.1f s measured", clients,
                    clients == 1 ? "" : "s", inflight, size, host, port, transport.id(), threads,
                    threads == 1 ? "" : "s", lossTimeoutMillis, warmupSeconds, seconds);
        }
    }

    /** Opens the sockets, runs the load, settles the last datagrams, and returns what was measured. */
    static Result run(Config config, EchoClient.Phases phases) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(config.threads, config.transport.ioHandlerFactory());
        ClientHandler[] handlers = new ClientHandler[config.clients];
        CountDownLatch drained = new CountDownLatch(config.clients);
        String failure = null;
        try {
            // Connected sockets: the kernel then takes datagrams from the server only, and sends need no address.
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(config.transport.datagramChannel())
                    .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR);
            InetSocketAddress server = new InetSocketAddress(config.host, config.port);
            for (int i = 0; i < handlers.length; i++) {
                handlers[i] = new ClientHandler(config, new SplittableRandom(i), drained);
                bootstrap.handler(handlers[i]).connect(server).sync();
            }
            long measureStart = System.nanoTime() + (long) (config.warmupSeconds * 1e9);
            long measureEnd = measureStart + (long) (config.seconds * 1e9);
            for (ClientHandler handler : handlers) {
                handler.channel().eventLoop().execute(() -> handler.start(measureStart, measureEnd));
            }
            sleepUntil(measureStart);
            phases.measuring();
            sleepUntil(measureEnd);
            phases.measured();
            long drainNanos = TimeUnit.MILLISECONDS.toNanos(config.lossTimeoutMillis) + DRAIN_SLACK_NANOS;
            if (!drained.await(drainNanos, TimeUnit.NANOSECONDS)) {
                failure = "the sockets did not settle their last datagrams after sending stopped";
            }
        } catch (Exception e) {
            failure = e.toString();
        } finally {
            for (ClientHandler handler : handlers) {
                if (handler != null && handler.channel() != null) {
                    handler.channel().close();
                }
            }
            // Waiting for the loops to terminate also makes every handler's counters visible to this thread.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        return new Result(config, handlers, failure);
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** The share of decided datagrams that were lost, in percent; 0 when none was decided. */
    static double lossPercent(long echoed, long lost) {
        return echoed + lost == 0 ? 0 : 100.0 * lost / (echoed + lost);
    }

    /** What one run measured, added up over its sockets. */
    static final class Result {
        final Config config;
        final LatencyHistogram latency = new LatencyHistogram();
        final long echoed;
        final long lost;
        final long late;
        final long mismatches;
        /** Why the run failed, or {@code null}. */
        final String failure;

        Result(Config config, ClientHandler[] handlers, String runFailure) {
            this.config = config;
            long echoedSum = 0;
            long lostSum = 0;
            long lateSum = 0;
            long bad = 0;
            String failed = runFailure;
            for (ClientHandler h : handlers) {
                if (h == null) {
                    continue;
                }
                echoedSum += h.echoed;
                lostSum += h.lost;
                lateSum += h.late;
                bad += h.mismatches;
                latency.add(h.histogram);
                if (failed == null) {
                    failed = h.failure;
                }
            }
            this.echoed = echoedSum;
            this.lost = lostSum;
            this.late = lateSum;
            this.mismatches = bad;
            this.failure = failed == null && echoedSum == 0 ? "no datagram was echoed: is the server running?"
                    : failed;
        }

        double packetsPerSecond() {
            return echoed / config.seconds;
        }

        /** 0 when every echo came back intact, 1 when one differed, 2 when the run itself failed. */
        int status() {
            return failure != null ? 2 : mismatches != 0 ? 1 : 0;
        }

        void print(PrintStream out) {
            out.printf(Locale.ROOT, "throughput: %.0f pkt/s, %.2f MiB/s (%d datagrams echoed in %.1f s)%n",
                    packetsPerSecond(), packetsPerSecond() * config.size / (1 << 20), echoed, config.seconds);
            out.printf(Locale.ROOT, "loss: %.3f%% (%d datagram%s not echoed within %d ms; %d late echo%s ignored)%n",
                    lossPercent(echoed, lost), lost, lost == 1 ? "" : "s", config.lossTimeoutMillis, late,
                    late == 1 ? "" : "es");
            out.printf(Locale.ROOT, "latency: p50 %.1f us, p99 %.1f us, p99.9 %.1f us, mean %.1f us, max %.1f us%n",
                    latency.percentile(50) / 1e3, latency.percentile(99) / 1e3, latency.percentile(99.9) / 1e3,
                    latency.mean() / 1e3, latency.max() / 1e3);
            if (failure != null) {
                out.println("FAILED: " + failure);
            } else if (mismatches != 0) {
                out.println("MISMATCH: " + mismatches + " echo(es) differed from the datagram sent");
            } else {
                out.println("verified: every echo had the size and the bytes sent");
            }
            // One line of key=value pairs for scripts, named as EchoClient's (the benchmark runner parses both).
            out.printf(Locale.ROOT, "result: msg_per_s=%.1f messages=%d seconds=%.3f p50_us=%.2f p99_us=%.2f"
                    + " p999_us=%.2f loss_pct=%.4f lost=%d late=%d status=%d%n", packetsPerSecond(), echoed,
                    config.seconds, latency.percentile(50) / 1e3, latency.percentile(99) / 1e3,
                    latency.percentile(99.9) / 1e3, lossPercent(echoed, lost), lost, late, status());
        }
    }

    /**
     * One socket's load: sends {@code inflight} datagrams, then one more for each echo and for each datagram
     * declared lost, until the measurement ends; then waits until every datagram still out is echoed or lost.
     */
    static final class ClientHandler extends ChannelInboundHandlerAdapter {
        private final int size;
        private final long lossTimeoutNanos;
        private final DatagramWindow window;
        /** The payload: random bytes, with each datagram's sequence number written over its first eight. */
        private final ByteBuf template;
        private final CountDownLatch drained;
        private final LatencyHistogram histogram = new LatencyHistogram();
        private ChannelHandlerContext ctx;
        private ScheduledFuture<?> expiryChecks;
        private long measureStart;
        private long measureEnd;
        private long echoed;
        private long lost;
        private long late;
        private long mismatches;
        private boolean needsFlush;
        private boolean finished;
        private String failure;

        ClientHandler(Config config, SplittableRandom random, CountDownLatch drained) {
            this.size = config.size;
            this.lossTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(config.lossTimeoutMillis);
            this.window = new DatagramWindow(config.inflight);
            this.drained = drained;
            byte[] bytes = new byte[size];
            for (int i = 0; i < size; i++) {
                bytes[i] = (byte) random.nextInt();
            }
            this.template = Unpooled.wrappedBuffer(bytes);
        }

        Channel channel() {
            return ctx == null ? null : ctx.channel();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        /** Runs on the socket's loop: opens the window, fills it, and starts looking for lost datagrams. */
        void start(long start, long end) {
            measureStart = start;
            measureEnd = end;
            if (!ctx.channel().isActive()) {
                finish("socket closed before the load started");
                return;
            }
            long period = Math.max(1, lossTimeoutNanos / EXPIRY_CHECKS_PER_TIMEOUT);
            expiryChecks = ctx.executor().scheduleAtFixedRate(this::expire, period, period, TimeUnit.NANOSECONDS);
            long now = System.nanoTime();
            for (int slot = 0; slot < window.slots(); slot++) {
                send(slot, now);
            }
            ctx.flush();
        }

        private void send(int slot, long now) {
            long seq = window.send(slot, now);
            ByteBuf buf = ctx.alloc().directBuffer(size, size).writeBytes(template, 0, size);
            buf.setLong(0, seq);
            ctx.write(buf, ctx.voidPromise());
            needsFlush = true;
        }

        private boolean measuring(long now) {
            return now >= measureStart && now < measureEnd;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            try {
                ByteBuf content = packet.content();
                int at = content.readerIndex();
                long now = System.nanoTime();
                if (content.readableBytes() != size
                        || !ByteBufUtil.equals(content, at + SEQ_BYTES, template, SEQ_BYTES, size - SEQ_BYTES)) {
                    mismatches++;
                    return;
                }
                long seq = content.getLong(at);
                long roundTrip = window.echoed(seq, now);
                if (roundTrip < 0) {
                    if (measuring(now)) {
                        late++;
                    }
                    return;
                }
                if (measuring(now)) {
                    histogram.record(roundTrip);
                    echoed++;
                }
                if (now < measureEnd) {
                    send(window.slotOf(seq), now);
                } else if (window.inFlight() == 0) {
                    finish(null);
                }
            } finally {
                packet.release();
            }
        }

        /** Declares lost what waited too long, and puts new datagrams in their place while the load runs. */
        private void expire() {
            long now = System.nanoTime();
            for (int slot = window.expire(now, lossTimeoutNanos, 0); slot >= 0;
                 slot = window.expire(now, lossTimeoutNanos, slot + 1)) {
                if (measuring(now)) {
                    lost++;
                }
                if (now < measureEnd) {
                    send(slot, now);
                }
            }
            flushIfNeeded();
            if (now >= measureEnd && window.inFlight() == 0) {
                finish(null);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            flushIfNeeded();
        }

        private void flushIfNeeded() {
            if (needsFlush) {
                needsFlush = false;
                ctx.flush();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!finished) {
                finish("socket closed with " + window.inFlight() + " datagram(s) in flight");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // On a connected UDP socket this is mostly the server's port being closed (ICMP port unreachable).
            finish(cause.toString());
            ctx.close();
        }

        private void finish(String why) {
            if (failure == null) {
                failure = why;
            }
            if (!finished) {
                finished = true;
                if (expiryChecks != null) {
                    expiryChecks.cancel(false);
                }
                drained.countDown();
            }
        }
    }
}
