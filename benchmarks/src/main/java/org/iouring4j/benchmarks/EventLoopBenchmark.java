package org.iouring4j.benchmarks;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.iouring4j.ring.Opcode;
import org.iouring4j.transport.UringIoHandle;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringIoOps;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Costs of the event loop itself, measured from outside as a user sees them.
 *
 * <ul>
 *   <li>{@code wakeupRoundTrip}: hand a task to an idle loop and wait for it to run — the loop is blocked in
 *   {@code io_uring_enter} (iouring4j) or {@code epoll_wait} inside the selector (NIO), so this is the cost of a
 *   cross-thread wakeup plus a task hop, compared in one run.</li>
 *   <li>{@code nopThroughRegistration}: NOPs submitted through an {@link IoRegistration} and completed to their
 *   {@link UringIoHandle} — the transport's per-op overhead (user data routing, outstanding counts, event
 *   dispatch) on top of the bare ring's ({@code RingNopBenchmark}). One task hop per batch of 64.</li>
 * </ul>
 *
 * Run: {@code java -jar benchmarks/target/benchmarks.jar EventLoopBenchmark -f 1 -wi 3 -i 5}
 */
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class EventLoopBenchmark {
    private static final int NOPS_PER_BATCH = 64;

    /** One single-threaded group per transport under test. */
    @State(Scope.Benchmark)
    public static class Loop {
        @Param({"iouring4j", "nio"})
        public String transport;

        MultiThreadIoEventLoopGroup group;
        IoEventLoop loop;

        @Setup(Level.Trial)
        public void start() throws Exception {
            IoHandlerFactory factory = "nio".equals(transport) ? NioIoHandler.newFactory() : UringIoHandler.newFactory();
            group = new MultiThreadIoEventLoopGroup(1, factory);
            loop = group.next();
            loop.submit(() -> { }).sync();
        }

        @TearDown(Level.Trial)
        public void stop() {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void wakeupRoundTrip(Loop state) throws Exception {
        state.loop.submit(() -> { }).sync();
    }

    /** A registered handle that counts NOP completions and reports each finished batch. */
    @State(Scope.Benchmark)
    public static class Registered implements UringIoHandle {
        MultiThreadIoEventLoopGroup group;
        IoEventLoop loop;
        IoRegistration registration;
        /** Loop thread only: reused for every submission, as channels do. */
        final UringIoOps ops = new UringIoOps();
        private int remaining;
        private CompletableFuture<Void> batchDone;
        /** Submits one batch on the loop; created once so the measured path allocates no task per batch. */
        final Runnable submitBatch = this::submitBatch;

        @Setup(Level.Trial)
        public void start() throws Exception {
            group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
            loop = group.next();
            registration = loop.register(this).get(10, TimeUnit.SECONDS);
        }

        @TearDown(Level.Trial)
        public void stop() {
            registration.cancel();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }

        CompletableFuture<Void> runBatch() {
            batchDone = new CompletableFuture<>();
            loop.execute(submitBatch);
            return batchDone;
        }

        private void submitBatch() {
            remaining = NOPS_PER_BATCH;
            for (int i = 0; i < NOPS_PER_BATCH; i++) {
                registration.submit(ops.clear().opcode(Opcode.NOP).data(i));
            }
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (--remaining == 0) {
                batchDone.complete(null);
            }
        }

        @Override
        public void close() {
            // Nothing held: NOPs reference no memory.
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(NOPS_PER_BATCH)
    public void nopThroughRegistration(Registered state) throws Exception {
        state.runBatch().get(10, TimeUnit.SECONDS);
    }
}
