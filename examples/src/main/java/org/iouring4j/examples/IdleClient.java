package org.iouring4j.examples;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds many idle connections to an {@link EchoServer}, to see what an idle connection costs the server: each
 * connection sends one small message and waits for its echo (so the server has really accepted it and read from
 * it once), and then stays open doing nothing.
 *
 * <p>Two phases, each waiting for a go-ahead, so that whoever measures the server (the benchmark runner) can look
 * at it in between: first {@code -Dwarmup} connections are made, echoed and closed again (the server's code paths
 * are then loaded and compiled, and its buffer pools have their first chunk); it prints {@link #WARMED_UP} and
 * waits for a line on stdin. Then it makes the {@code -Dconnections} connections, prints {@link #CONNECTED}, and
 * holds them until stdin ends (or a line arrives), or {@code -DholdSeconds} have passed; then it closes them.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8007 -Dconnections=10000 org.iouring4j.examples.IdleClient
 * </pre>
 *
 * <p>System properties: {@code -Dtransport=iouring4j} (the client's own, see {@link Transport}),
 * {@code -Dhost=127.0.0.1}, {@code -Dport=8007}, {@code -Dconnections=10000}, {@code -Dwarmup=2000} (connections,
 * 0 for none), {@code -Dsize=16} (bytes echoed per connection), {@code -Dconcurrency=128} (connections being set up
 * at a time: more would overflow the server's accept queue, whose dropped SYNs are retried only after a second),
 * {@code -DholdSeconds=600}. Each side needs a file descriptor per connection: raise {@code ulimit -n} above
 * {@code -Dconnections} for both JVMs.
 *
 * <p>Exit status: 0 when every connection was echoed, 2 otherwise.
 */
public final class IdleClient {
    /** Printed when the warmup connections are closed again; then a line on stdin starts the connections. */
    public static final String WARMED_UP = "idle warmup done";
    /** Printed, followed by the count and the time taken, when every connection is up and echoed. */
    public static final String CONNECTED = "idle connected ";
    /** How long setting up one phase's connections may take in all before the run fails. */
    private static final long SETUP_TIMEOUT_SECONDS = 120;

    private IdleClient() {
    }

    public static void main(String[] args) throws Exception {
        Config config = new Config(Transport.fromSystemProperty(),
                ExampleProperties.stringProperty("host", "127.0.0.1"),
                ExampleProperties.intProperty("port", 8007, 1, 65535),
                ExampleProperties.intProperty("connections", 10_000, 1, 1_000_000),
                ExampleProperties.intProperty("warmup", 2_000, 0, 1_000_000),
                ExampleProperties.intProperty("size", 16, 1, 65_536),
                ExampleProperties.intProperty("concurrency", 128, 1, 65_536));
        double holdSeconds = ExampleProperties.secondsProperty("holdSeconds", 600, 0, 86_400);
        System.out.println("IdleClient: " + config);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Result result = run(config, new Phases() {
            @Override
            public void warmedUp() throws IOException {
                System.out.println(WARMED_UP);
                if (stdin.readLine() == null) {
                    throw new IOException("stdin ended before the go-ahead for the connections");
                }
            }

            @Override
            public void connected(int connections, double seconds) throws IOException, InterruptedException {
                System.out.printf(Locale.ROOT, "%s%d in %.3f s%n", CONNECTED, connections, seconds);
                awaitLineOrEnd(stdin, holdSeconds);
            }
        });
        result.print(System.out);
        if (result.failure != null) {
            System.exit(2);
        }
    }

    /** Waits until {@code in} gives a line or ends, at most {@code seconds}. */
    private static void awaitLineOrEnd(BufferedReader in, double seconds) throws InterruptedException {
        Thread reader = new Thread(() -> {
            try {
                in.readLine();
            } catch (IOException e) {
                // A broken stdin ends the hold like a closed one.
            }
        }, "idle-client-stdin");
        reader.setDaemon(true);
        reader.start();
        reader.join((long) (seconds * 1000));
    }

    /** Called on the thread running {@link #run} between the phases; may block as long as it likes. */
    interface Phases {
        /** The warmup connections are closed; returning starts the idle ones. */
        void warmedUp() throws IOException, InterruptedException;

        /** All {@code connections} are up and echoed, after {@code seconds}; returning closes them. */
        void connected(int connections, double seconds) throws IOException, InterruptedException;
    }

    /** What a run does. */
    static final class Config {
        final Transport transport;
        final String host;
        final int port;
        final int connections;
        final int warmup;
        final int size;
        final int concurrency;

        Config(Transport transport, String host, int port, int connections, int warmup, int size, int concurrency) {
            this.transport = transport;
            this.host = host;
            this.port = port;
            this.connections = connections;
            this.warmup = warmup;
            this.size = size;
            this.concurrency = concurrency;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d idle connections (after %d warmup connections), %d B echoed"
                            + " each, %d set up at a time, to %s:%d, transport %s", connections, warmup, size,
                    concurrency, host, port, transport.id());
        }
    }

    /** Runs both phases and returns what happened; blocks as long as {@code phases} do, plus the setup. */
    static Result run(Config config, Phases phases) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, config.transport.ioHandlerFactory());
        String failure = null;
        int echoed = 0;
        double seconds = Double.NaN;
        try {
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(config.transport.socketChannel())
                    .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                    .option(ChannelOption.TCP_NODELAY, true);
            if (config.warmup > 0) {
                ChannelGroup warm = connect(bootstrap, config, config.warmup);
                warm.close().sync();
            }
            phases.warmedUp();
            long start = System.nanoTime();
            ChannelGroup idle = connect(bootstrap, config, config.connections);
            seconds = (System.nanoTime() - start) / 1e9;
            echoed = idle.size();
            try {
                phases.connected(echoed, seconds);
            } finally {
                idle.close().sync();
            }
        } catch (IOException e) {
            failure = e.getMessage();
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
        }
        return new Result(config.connections, echoed, seconds, failure);
    }

    /**
     * Makes {@code count} connections, {@code concurrency} at a time, each echoed once; returns them all open.
     *
     * @throws IOException when one fails, or they take longer than {@link #SETUP_TIMEOUT_SECONDS}
     */
    private static ChannelGroup connect(Bootstrap bootstrap, Config config, int count)
            throws IOException, InterruptedException {
        ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        Semaphore setups = new Semaphore(config.concurrency);
        CountDownLatch done = new CountDownLatch(count);
        AtomicReference<String> failure = new AtomicReference<>();
        AtomicInteger echoed = new AtomicInteger();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETUP_TIMEOUT_SECONDS);
        InetSocketAddress server = InetSocketAddress.createUnresolved(config.host, config.port);
        for (int i = 0; i < count && failure.get() == null; i++) {
            if (!setups.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                break;
            }
            Runnable finished = () -> {
                setups.release();
                done.countDown();
            };
            ChannelFuture connect = bootstrap.clone()
                    .handler(new OneEcho(config.size, echoed, failure, finished))
                    .connect(server);
            channels.add(connect.channel());
            connect.addListener(f -> {
                if (!f.isSuccess()) {
                    failure.compareAndSet(null, "connect failed: " + f.cause());
                    finished.run();
                }
            });
        }
        boolean allDone = failure.get() == null
                && done.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (!allDone || echoed.get() != count) {
            channels.close().sync();
            String why = failure.get();
            throw new IOException(why != null ? why : echoed.get() + " of " + count + " connections echoed within "
                    + SETUP_TIMEOUT_SECONDS + " s");
        }
        return channels;
    }

    /** Sends {@code size} bytes once the connection is up, and reports when as many have come back. */
    private static final class OneEcho extends ChannelInboundHandlerAdapter {
        private final int size;
        private final AtomicInteger echoed;
        private final AtomicReference<String> failure;
        private final Runnable finished;
        private int received;
        private boolean reported;

        OneEcho(int size, AtomicInteger echoed, AtomicReference<String> failure, Runnable finished) {
            this.size = size;
            this.echoed = echoed;
            this.failure = failure;
            this.finished = finished;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf message = ctx.alloc().directBuffer(size, size);
            for (int i = 0; i < size; i++) {
                message.writeByte('a' + i % 26);
            }
            ctx.writeAndFlush(message, ctx.voidPromise());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            received += buf.readableBytes();
            buf.release();
            if (received > size) {
                report("got back more bytes than it sent");
            } else if (received == size) {
                echoed.incrementAndGet();
                report(null);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            report("connection closed after " + received + " of " + size + " echoed bytes");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            report(cause.toString());
            ctx.close();
        }

        /** Reports this connection's setup as finished, once; with a reason when it failed. */
        private void report(String why) {
            if (reported) {
                return;
            }
            reported = true;
            if (why != null) {
                failure.compareAndSet(null, why);
            }
            finished.run();
        }
    }

    /** What one run did. */
    static final class Result {
        final int connections;
        /** Idle connections that were up and echoed at once. */
        final int echoed;
        /** How long setting them up took; NaN if it did not finish. */
        final double seconds;
        /** Why the run failed, or null. */
        final String failure;

        Result(int connections, int echoed, double seconds, String failure) {
            this.connections = connections;
            this.echoed = echoed;
            this.seconds = seconds;
            this.failure = failure;
        }

        void print(PrintStream out) {
            if (failure != null) {
                out.println("FAILED: " + failure);
            }
            // One line of key=value pairs for scripts (the benchmark runner parses it).
            out.printf(Locale.ROOT, "result: connections=%d echoed=%d seconds=%.3f conn_per_s=%.1f status=%d%n",
                    connections, echoed, seconds, echoed / seconds, failure == null ? 0 : 2);
        }
    }
}
