package org.iouring4j.benchmarks.soak;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.examples.EchoServer;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded soak: minutes of mixed echo load on an iouring4j server and iouring4j clients in one JVM, every
 * echoed byte checked against the pattern it was sent with, and the process's resources sampled periodically.
 *
 * <p>The load mixes three kinds of connections: long-lived streams (random chunk sizes, a bounded window of
 * unanswered bytes each), short-lived connections opened, used for one random-size exchange and closed
 * (connection churn: accept, connect, close and fd reuse all the time), and a large transfer every sampling
 * period.
 *
 * <p>Every period it prints one line: open fds ({@code /proc/self/fd}), {@code NativeMemory.liveBytes()}, RSS
 * ({@code VmRSS}), Netty's direct memory, heap, and the load's progress. At the end it stops the load, shuts the
 * event loops down and prints a verdict; it exits with 1 on any checksum mismatch or connection error, when fds
 * or native memory are not back to their starting values after shutdown, or when a resource (fds, native memory,
 * direct memory, RSS beyond 10%) grew at every sample of the run's second half.
 *
 * <pre>
 * java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -Dminutes=10 -cp benchmarks/target/benchmarks.jar \
 *     org.iouring4j.benchmarks.soak.SoakRunner
 * </pre>
 *
 * Properties: {@code minutes} (10), {@code sampleSeconds} (10), {@code streams} (200 long-lived connections),
 * {@code churn} (32 short-lived connections in flight), {@code window} (65536 bytes), {@code serverThreads} (1),
 * {@code clientThreads} (2), {@code seed}.
 */
public final class SoakRunner {
    private static final int MAX_CHUNK = 32 * 1024;
    private static final int MAX_SHORT_EXCHANGE = 256 * 1024;
    private static final long LARGE_TRANSFER = 16L << 20;
    private static final int LARGE_WINDOW = 1 << 20;
    /** RSS may wander; growth below this fraction of the first steady sample is not called a leak. */
    private static final double RSS_GROWTH_TOLERANCE = 0.10;

    private final int streams = Integer.getInteger("streams", 200);
    private final int churn = Integer.getInteger("churn", 32);
    private final int window = Integer.getInteger("window", 64 * 1024);
    private final long seed = Long.getLong("seed", System.nanoTime());

    private final AtomicLong verifiedBytes = new AtomicLong();
    private final AtomicLong shortExchanges = new AtomicLong();
    private final AtomicLong largeTransfers = new AtomicLong();
    private final AtomicLong nextStream = new AtomicLong(1);
    private final AtomicInteger errors = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> errorMessages = new ConcurrentLinkedQueue<>();
    private final AtomicInteger serverConnections = new AtomicInteger();
    private volatile boolean stopping;

    private EventLoopGroup serverGroup;
    private EventLoopGroup clientGroup;
    private Bootstrap bootstrap;
    private final List<Channel> longLived = new ArrayList<>();
    private java.util.Map<String, String> baselineFds = java.util.Map.of();

    public static void main(String[] args) throws Exception {
        double minutes = Double.parseDouble(System.getProperty("minutes", "10"));
        long sampleSeconds = Long.getLong("sampleSeconds", 10);
        System.exit(new SoakRunner().run(minutes, sampleSeconds) ? 0 : 1);
    }

    private boolean run(double minutes, long sampleSeconds) throws Exception {
        System.out.printf("soak: %.1f min, sample every %d s, %d streams (window %d), %d short connections in"
                + " flight, one %d MiB transfer per sample, seed %d%n", minutes, sampleSeconds, streams, window,
                churn, LARGE_TRANSFER >> 20, seed);
        // Once through everything, so that what a process creates once (JNA, probe, JDK state) is in the baseline.
        start(1, 1);
        Thread.sleep(500);
        stop();
        if (errors.get() != 0) {
            System.out.println("VERDICT: FAIL - errors during warm-up: " + errorMessages.peek());
            return false;
        }
        Sample baseline = Sample.take(0, 0, 0, 0, 0);
        baselineFds = FdTable.snapshot();
        System.out.println("baseline: " + baseline);

        List<Sample> samples = new ArrayList<>();
        start(streams, churn);
        long begin = System.nanoTime();
        long end = begin + (long) (minutes * 60e9);
        long lastBytes = 0;
        while (System.nanoTime() < end && errors.get() == 0) {
            long next = Math.min(end, System.nanoTime() + TimeUnit.SECONDS.toNanos(sampleSeconds));
            startLargeTransfer();
            while (System.nanoTime() < next && errors.get() == 0) {
                Thread.sleep(Math.max(1, Math.min(200, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()))));
            }
            long bytes = verifiedBytes.get();
            Sample s = Sample.take(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - begin), bytes,
                    bytes - lastBytes, shortExchanges.get(), largeTransfers.get());
            lastBytes = bytes;
            samples.add(s);
            System.out.println(s + " conns=" + serverConnections.get() + " errors=" + errors.get());
        }
        stop();
        Sample after = Sample.take(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - begin), verifiedBytes.get(),
                0, shortExchanges.get(), largeTransfers.get());
        System.out.println("after shutdown: " + after);
        return verdict(baseline, samples, after);
    }

    // ---- load ----

    private void start(int streamCount, int churnCount) throws InterruptedException {
        stopping = false;
        serverGroup = new MultiThreadIoEventLoopGroup(Integer.getInteger("serverThreads", 1), UringIoHandler.newFactory());
        clientGroup = new MultiThreadIoEventLoopGroup(Integer.getInteger("clientThreads", 2), UringIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(serverGroup).channel(UringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        serverConnections.incrementAndGet();
                        ch.closeFuture().addListener(f -> serverConnections.decrementAndGet());
                        ch.pipeline().addLast(EchoServer.EchoServerHandler.INSTANCE);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        bootstrap = new Bootstrap().group(clientGroup).channel(UringSocketChannel.class)
                .remoteAddress(server.localAddress());
        FdTable.serverPort = ((InetSocketAddress) server.localAddress()).getPort();
        for (int i = 0; i < streamCount; i++) {
            ChannelFuture f = bootstrap.clone()
                    .handler(new PatternEcho(nextStream.getAndIncrement(), Long.MAX_VALUE, seed + i, null))
                    .connect().sync();
            synchronized (longLived) {
                longLived.add(f.channel());
            }
        }
        for (int i = 0; i < churnCount; i++) {
            startShortExchange(new Random(seed ^ (0x5DEECE66DL * (i + 1))));
        }
    }

    private void startShortExchange(Random random) {
        if (stopping) {
            return;
        }
        long length = 1 + random.nextInt(MAX_SHORT_EXCHANGE);
        CompletableFuture<Void> done = new CompletableFuture<>();
        bootstrap.clone().handler(new PatternEcho(nextStream.getAndIncrement(), length, random.nextLong(), done))
                .connect().addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        error("connect failed: " + f.cause());
                    }
                });
        done.thenRun(() -> {
            shortExchanges.incrementAndGet();
            startShortExchange(random);
        });
    }

    private void startLargeTransfer() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        bootstrap.clone().handler(new PatternEcho(nextStream.getAndIncrement(), LARGE_TRANSFER, seed, done)
                .window(LARGE_WINDOW)).connect();
        done.thenRun(largeTransfers::incrementAndGet);
    }

    private void stop() throws InterruptedException {
        stopping = true;
        synchronized (longLived) {
            for (Channel ch : longLived) {
                ch.close();
            }
            longLived.clear();
        }
        clientGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(30, TimeUnit.SECONDS);
    }

    private void error(String message) {
        if (stopping) {
            return; // connections cut by the shutdown itself
        }
        errors.incrementAndGet();
        if (errorMessages.size() < 20) {
            errorMessages.add(message);
            System.out.println("ERROR: " + message);
        }
    }

    private final class PatternEcho extends ChannelInboundHandlerAdapter {
        private final long stream;
        private final long limit;
        private final Random random;
        private final CompletableFuture<Void> done;
        private final byte[] scratch = new byte[MAX_CHUNK];
        private int streamWindow = window;
        private long sent;
        private long received;

        PatternEcho(long stream, long limit, long randomSeed, CompletableFuture<Void> done) {
            this.stream = stream;
            this.limit = limit;
            this.random = new Random(randomSeed);
            this.done = done;
        }

        PatternEcho window(int bytes) {
            streamWindow = bytes;
            return this;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            pump(ctx);
        }

        private void pump(ChannelHandlerContext ctx) {
            boolean wrote = false;
            while (sent < limit && sent - received < streamWindow) {
                int n = (int) Math.min(Math.min(1 + random.nextInt(MAX_CHUNK), limit - sent),
                        streamWindow - (sent - received));
                Pattern.fill(scratch, n, stream, sent);
                ByteBuf buf = ctx.alloc().directBuffer(n).writeBytes(scratch, 0, n);
                ctx.write(buf, ctx.voidPromise());
                sent += n;
                wrote = true;
            }
            if (wrote) {
                ctx.flush();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                int n = buf.readableBytes();
                if (received + n > sent) {
                    error("stream " + stream + ": " + (received + n) + " bytes echoed, only " + sent + " sent");
                    ctx.close();
                    return;
                }
                for (int off = 0; off < n; off += scratch.length) {
                    int len = Math.min(scratch.length, n - off);
                    buf.getBytes(buf.readerIndex() + off, scratch, 0, len);
                    int mismatch = Pattern.verify(scratch, len, stream, received + off);
                    if (mismatch >= 0) {
                        error("checksum mismatch: stream " + stream + " byte " + (received + off + mismatch)
                                + " is 0x" + Integer.toHexString(scratch[mismatch] & 0xFF) + ", expected 0x"
                                + Integer.toHexString(Pattern.at(stream, received + off + mismatch) & 0xFF));
                        ctx.close();
                        return;
                    }
                }
                received += n;
                verifiedBytes.addAndGet(n);
            } finally {
                buf.release();
            }
            if (received == limit) {
                ctx.close().addListener(f -> done.complete(null));
            } else {
                pump(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (received != limit) {
                error("stream " + stream + " closed after " + received + " of "
                        + (limit == Long.MAX_VALUE ? "unbounded" : String.valueOf(limit)) + " bytes");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error("stream " + stream + ": " + cause);
            ctx.close();
        }
    }

    // ---- verdict ----

    private boolean verdict(Sample baseline, List<Sample> samples, Sample after) {
        List<String> failures = new ArrayList<>();
        if (errors.get() != 0) {
            failures.add(errors.get() + " checksum or connection errors, first: " + errorMessages.peek());
        }
        if (after.fds != baseline.fds) {
            failures.add("open fds after shutdown " + after.fds + " != baseline " + baseline.fds + "; new ones: "
                    + FdTable.describeNew(baselineFds, FdTable.snapshot()));
        }
        if (after.nativeBytes != baseline.nativeBytes) {
            failures.add("NativeMemory.liveBytes() after shutdown " + after.nativeBytes + " != baseline "
                    + baseline.nativeBytes);
        }
        // Steady state: the second half of the run (the first includes ramp-up, JIT, and the heap's first pass
        // over its pages, which raises RSS unless the JVM runs with -XX:+AlwaysPreTouch).
        List<Sample> steady = samples.subList(samples.size() / 2, samples.size());
        if (steady.size() >= 4) {
            checkGrowth(failures, "fds", steady, s -> s.fds, 0);
            checkGrowth(failures, "native bytes", steady, s -> s.nativeBytes, 0);
            checkGrowth(failures, "direct memory", steady, s -> s.directBytes, 0);
            checkGrowth(failures, "RSS", steady, s -> s.rssKiB, (long) (steady.get(0).rssKiB * RSS_GROWTH_TOLERANCE));
        } else {
            System.out.println("note: fewer than 4 samples in the second half; growth not judged (run longer)");
        }
        long total = verifiedBytes.get();
        System.out.printf("load: %.1f MiB echoed and verified, %d short connections, %d large transfers%n",
                total / 1048576.0, shortExchanges.get(), largeTransfers.get());
        if (failures.isEmpty()) {
            System.out.println("VERDICT: PASS - no checksum error, no connection error, fds and native memory back"
                    + " to baseline after shutdown, no resource grew at every sample");
            return true;
        }
        System.out.println("VERDICT: FAIL");
        failures.forEach(f -> System.out.println("  - " + f));
        return false;
    }

    private interface Metric {
        long of(Sample s);
    }

    /** A leak looks like growth at every sample; noise goes up and down. */
    private static void checkGrowth(List<String> failures, String name, List<Sample> steady, Metric metric,
                                    long tolerance) {
        long first = metric.of(steady.get(0));
        long last = metric.of(steady.get(steady.size() - 1));
        boolean monotonic = true;
        for (int i = 1; i < steady.size(); i++) {
            if (metric.of(steady.get(i)) < metric.of(steady.get(i - 1))) {
                monotonic = false;
                break;
            }
        }
        if (monotonic && last - first > tolerance) {
            failures.add(name + " grew at every steady sample: " + first + " -> " + last);
        }
    }

    /** One sample of the process's resources and the load's progress. */
    static final class Sample {
        final long seconds;
        final long fds;
        final long nativeBytes;
        final long rssKiB;
        final long directBytes;
        final long heapBytes;
        final long echoed;
        final long echoedSinceLast;
        final long shortExchanges;
        final long largeTransfers;

        private Sample(long seconds, long fds, long nativeBytes, long rssKiB, long directBytes, long heapBytes,
                       long echoed, long echoedSinceLast, long shortExchanges, long largeTransfers) {
            this.seconds = seconds;
            this.fds = fds;
            this.nativeBytes = nativeBytes;
            this.rssKiB = rssKiB;
            this.directBytes = directBytes;
            this.heapBytes = heapBytes;
            this.echoed = echoed;
            this.echoedSinceLast = echoedSinceLast;
            this.shortExchanges = shortExchanges;
            this.largeTransfers = largeTransfers;
        }

        static Sample take(long seconds, long echoed, long echoedSinceLast, long shortExchanges, long largeTransfers) {
            Runtime rt = Runtime.getRuntime();
            return new Sample(seconds, openFds(), NativeMemory.liveBytes(), rssKiB(),
                    PlatformDependent.usedDirectMemory(), rt.totalMemory() - rt.freeMemory(), echoed,
                    echoedSinceLast, shortExchanges, largeTransfers);
        }

        @Override
        public String toString() {
            return String.format("[%5ds] fds=%d native=%d rss=%.1fMiB direct=%.1fMiB heap=%.1fMiB"
                    + " | echoed=%.1fMiB (+%.1fMiB) short=%d large=%d", seconds, fds, nativeBytes, rssKiB / 1024.0,
                    directBytes / 1048576.0, heapBytes / 1048576.0, echoed / 1048576.0, echoedSinceLast / 1048576.0,
                    shortExchanges, largeTransfers);
        }

        private static long openFds() {
            long count = 0;
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path ignored : dir) {
                    count++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return count - 1; // the listing's own fd
        }

        private static long rssKiB() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return -1;
        }
    }

    /** The process's fd table, with TCP sockets described by ports and state (for a leak's diagnosis). */
    static final class FdTable {
        /** The soak server's port, to tell accepted sockets from client ones. */
        static volatile int serverPort;

        private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
            "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

        private FdTable() {
        }

        /** fd number → link target ({@code socket:[inode]}, a path, {@code anon_inode:[io_uring]}). */
        static java.util.Map<String, String> snapshot() {
            java.util.Map<String, String> fds = new java.util.TreeMap<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
                for (Path fd : dir) {
                    try {
                        fds.put(fd.getFileName().toString(), Files.readSymbolicLink(fd).toString());
                    } catch (IOException closed) {
                        // the listing's own fd
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return fds;
        }

        /** Counts of the kinds of fds in {@code now} that were not in {@code before}. */
        static java.util.Map<String, Integer> describeNew(java.util.Map<String, String> before,
                                                          java.util.Map<String, String> now) {
            java.util.Map<String, String> tcp = tcpSockets();
            java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
            now.forEach((fd, what) -> {
                if (!what.equals(before.get(fd))) {
                    String kind = what;
                    if (what.startsWith("socket:[")) {
                        String state = tcp.get(what.substring(8, what.length() - 1));
                        kind = state == null ? "socket (closed TCP or not TCP)" : "tcp " + state;
                    }
                    kinds.merge(kind, 1, Integer::sum);
                }
            });
            return kinds;
        }

        private static java.util.Map<String, String> tcpSockets() {
            java.util.Map<String, String> out = new java.util.HashMap<>();
            for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
                try {
                    for (String line : Files.readAllLines(Path.of(table))) {
                        String[] f = line.trim().split("\\s+");
                        if (f.length > 9 && !f[0].equals("sl")) {
                            int state = Integer.parseInt(f[3], 16);
                            int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
                            boolean serverSide = local == serverPort;
                            out.put(f[9], (state < TCP_STATES.length ? TCP_STATES[state] : f[3])
                                    + (serverSide ? " (server side)" : " (client side)"));
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return out;
        }
    }

    /** Byte {@code offset} of stream {@code stream}: SplitMix64 over (stream, offset / 8), so every byte is checkable. */
    static final class Pattern {
        private Pattern() {
        }

        private static long word(long stream, long index) {
            long z = stream * 0x9E3779B97F4A7C15L + index;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }

        static byte at(long stream, long offset) {
            return (byte) (word(stream, offset >>> 3) >>> ((offset & 7) << 3));
        }

        static void fill(byte[] dst, int length, long stream, long offset) {
            int i = 0;
            while (i < length && ((offset + i) & 7) != 0) {
                dst[i] = at(stream, offset + i);
                i++;
            }
            for (; i + 8 <= length; i += 8) {
                long w = word(stream, (offset + i) >>> 3);
                for (int b = 0; b < 8; b++) {
                    dst[i + b] = (byte) (w >>> (b << 3));
                }
            }
            for (; i < length; i++) {
                dst[i] = at(stream, offset + i);
            }
        }

        /** @return -1 if {@code src[0, length)} is the stream from {@code offset}, else the first differing index */
        static int verify(byte[] src, int length, long stream, long offset) {
            int i = 0;
            while (i < length && ((offset + i) & 7) != 0) {
                if (src[i] != at(stream, offset + i)) {
                    return i;
                }
                i++;
            }
            for (; i + 8 <= length; i += 8) {
                long w = word(stream, (offset + i) >>> 3);
                for (int b = 0; b < 8; b++) {
                    if (src[i + b] != (byte) (w >>> (b << 3))) {
                        return i + b;
                    }
                }
            }
            for (; i < length; i++) {
                if (src[i] != at(stream, offset + i)) {
                    return i;
                }
            }
            return -1;
        }
    }
}
