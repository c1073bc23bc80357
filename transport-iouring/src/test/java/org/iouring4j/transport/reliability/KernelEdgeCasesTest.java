package org.iouring4j.transport.reliability;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringIoHandlerConfig;
import org.iouring4j.transport.UringIoHandlerMetrics;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kernel edge cases: a completion queue too small for the burst it gets, running out of fds in accept, a ring
 * the kernel refuses to set up, and io_uring forced unavailable.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KernelEdgeCasesTest {
    private EventLoopGroup group;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @AfterEach
    void shutdown() {
        clients.forEach(Reliability::closeQuietly);
        Reliability.shutdown(group);
    }

    private Channel echoServer(ChildCounter counter, ChannelInboundHandlerAdapter serverHandler)
            throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter, Reliability.EchoHandler.INSTANCE);
                    }
                });
        if (serverHandler != null) {
            bootstrap.handler(serverHandler);
        }
        return bootstrap.bind(Reliability.LOOPBACK).sync().channel();
    }

    /**
     * A ring of 8 SQEs and 16 CQEs against 200 connections arriving at once, each sending 16 KiB: the CQ
     * overflows (the kernel keeps the extra completions), nothing is lost (every echoed byte checked), the
     * overflow is logged once, and the loop then serves normally.
     */
    @Test
    void tinyCompletionQueueOverflowsUnderABurstAndLosesNothing() throws Exception {
        group = Reliability.uringGroup(1, new UringIoHandlerConfig().ringSize(8).cqSize(16));
        ChildCounter counter = new ChildCounter();
        Channel server = echoServer(counter, null);
        InetSocketAddress address = (InetSocketAddress) server.localAddress();

        PrintStream originalErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(originalErr, log), true));
        NioEchoLoad.Result burst;
        NioEchoLoad.Result after;
        try {
            burst = new NioEchoLoad(address, 200, 16 * 1024, Integer.MAX_VALUE, 200, false, 40, TimeUnit.SECONDS,
                    5000).call();
            after = new NioEchoLoad(address, 50, 64 * 1024, Integer.MAX_VALUE, 50, false, 20, TimeUnit.SECONDS,
                    6000).call();
        } finally {
            System.setErr(originalErr);
        }
        UringIoHandlerMetrics metrics = Reliability.metrics(server.eventLoop());
        System.out.println("tiny CQ burst: " + burst + "\ntiny CQ afterwards: " + after + "\nloop: " + metrics);
        assertTrue(burst.ok(), burst.toString());
        assertEquals(200, burst.completed);
        assertTrue(after.ok(), after.toString());
        assertEquals(50, after.completed);
        assertTrue(metrics.cqOverflows() > 0, "the burst never overflowed the 16-entry CQ: " + metrics);
        assertEquals(0, metrics.cqDropped(), "the kernel dropped completions: " + metrics);
        long warnings = log.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains("completion queue") && line.contains("overflowed")).count();
        assertEquals(1, warnings, "overflow warnings logged (expected exactly one per loop)");
        server.close().sync();
    }

    /**
     * A server started under an RLIMIT_NOFILE that leaves room for only 3 accepted connections: the 4th accept
     * fails with EMFILE, which the server channel's pipeline sees as a NativeIoException naming ACCEPT and
     * EMFILE. Once connections close and free fds, waiting connections are accepted and served, still under the
     * lowered limit; once it is restored, the rest are too.
     *
     * <p>The limit is lowered before the server binds because the kernel reads RLIMIT_NOFILE when an ACCEPT SQE is
     * prepared: a multishot accept armed earlier keeps accepting under the old limit.
     */
    @Test
    void acceptOutOfFdsReportsEmfileAndServesAgainOnceFdsFreeUp() throws Exception {
        group = Reliability.uringGroup(1);
        // Every code path used below runs once first: with fds scarce, loading a class from a directory fails.
        ChildCounter warmUpCounter = new ChildCounter();
        Channel warmUpServer = echoServer(warmUpCounter, new ChannelInboundHandlerAdapter());
        SocketChannel warmUp = open((InetSocketAddress) warmUpServer.localAddress());
        echo(warmUp, 0);
        warmUp.close();
        Reliability.awaitCondition(5000, () -> warmUpCounter.active.get() == 0, () -> "warm-up connection still open");
        warmUpServer.close().sync();

        int allowed = 3;
        List<SocketChannel> waiting = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            SocketChannel ch = SocketChannel.open(); // the fd exists now; connecting needs none
            clients.add(ch);
            waiting.add(ch);
        }
        ChildCounter counter = new ChildCounter();
        BlockingQueue<Throwable> serverErrors = new LinkedBlockingQueue<>();
        ChannelInboundHandlerAdapter errorRecorder = new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                serverErrors.add(cause);
                ctx.fireExceptionCaught(cause); // ServerBootstrap's acceptor pauses accepting for a second
            }
        };
        long[] limit = Reliability.fdLimit();
        long lowered = softLimitLeaving(allowed + 1); // + the listening socket
        Channel server;
        Throwable emfile;
        try {
            Reliability.setFdLimit(lowered, limit[1]);
            server = echoServer(counter, errorRecorder);
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            for (SocketChannel ch : waiting) {
                ch.connect(address); // completes in the kernel's backlog whether or not the server accepts
            }
            emfile = serverErrors.poll(10, TimeUnit.SECONDS);
            assertNotNull(emfile, "no error reached the server channel although accept ran out of fds");
            assertEquals(allowed, counter.accepted.get(), "connections accepted within the lowered limit");
            for (int i = 0; i < allowed; i++) {
                echo(waiting.get(i), i + 1); // accepted before the limit hit: served
            }
            for (int i = 0; i < allowed; i++) {
                waiting.get(i).close(); // frees their fds on the server side once it sees EOF
            }
            // Still under the lowered limit: the next ones in the backlog are accepted into the freed fds.
            for (int i = allowed; i < 2 * allowed; i++) {
                echo(waiting.get(i), i + 1);
            }
        } finally {
            Reliability.setFdLimit(limit[0], limit[1]);
        }
        System.out.println("accept under RLIMIT_NOFILE=" + lowered + ": " + emfile);
        assertInstanceOf(NativeIoException.class, emfile);
        assertTrue(emfile.getMessage().contains("ACCEPT") && emfile.getMessage().contains("EMFILE"),
                emfile.getMessage());
        for (int i = 2 * allowed; i < waiting.size(); i++) {
            echo(waiting.get(i), i + 1);
        }
        SocketChannel fresh = open((InetSocketAddress) server.localAddress());
        echo(fresh, 99);
        assertTrue(server.isActive());
        server.close().sync();
    }

    /** The soft RLIMIT_NOFILE under which exactly {@code free} more fds can be opened (the lowest are used first). */
    private static long softLimitLeaving(int free) {
        int[] open = Reliability.openFds();
        int candidate = 0;
        int freeSeen = 0;
        int i = 0;
        while (true) {
            if (i < open.length && open[i] == candidate) {
                i++;
            } else if (++freeSeen > free) {
                return candidate;
            }
            candidate++;
        }
    }

    private SocketChannel open(InetSocketAddress address) throws IOException {
        SocketChannel ch = SocketChannel.open(address);
        clients.add(ch);
        return ch;
    }

    /** A 4 KiB echo round trip, bounded by a socket timeout. */
    private static void echo(SocketChannel ch, long stream) throws IOException {
        ch.socket().setSoTimeout(10_000);
        byte[] out = new byte[4096];
        Reliability.fillPattern(out, 0, out.length, stream, 0);
        OutputStream os = ch.socket().getOutputStream();
        os.write(out);
        InputStream is = ch.socket().getInputStream();
        byte[] in = is.readNBytes(out.length);
        assertEquals(out.length, in.length, "echo cut short on connection " + stream);
        assertTrue(Arrays.equals(out, in), "echo corrupted on connection " + stream);
    }

    /**
     * A ring the kernel rejects although every setting is in its own range (an SQPOLL thread pinned to a CPU that
     * does not exist): creating the group fails with a message naming the syscall, the errno and what may be wrong,
     * and leaves no fd and no native memory. Sizes out of the kernel's range never get that far: the config refuses
     * them, naming the allowed range.
     */
    @Test
    void ringTheKernelRejectsFailsClearlyAndLeavesNothingBehind() throws Exception {
        Reliability.shutdown(Reliability.uringGroup(1)); // process-wide lazies (JNA, probe) exist before measuring
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class,
                () -> new UringIoHandlerConfig().ringSize(100_000));
        assertTrue(tooBig.getMessage().contains("32768"), tooBig.getMessage());

        UringIoHandlerConfig config = new UringIoHandlerConfig().sqPoll(true).sqThreadCpu(100_000);
        Map<Integer, String> fdsBefore = Reliability.describeFds();
        long nativeBefore = Reliability.nativeBytes();
        Throwable thrown = assertThrows(Throwable.class,
                () -> Reliability.shutdown(new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory(config))));
        StringBuilder chain = new StringBuilder();
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            chain.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" <- ");
        }
        System.out.println(config + " -> " + chain);
        String text = chain.toString();
        assertTrue(text.contains("io_uring_setup") && text.contains("EINVAL"), text);
        assertTrue(text.contains("SQ thread CPU"), "the message does not say what may be wrong: " + text);
        Map<Integer, String> fdsAfter = Reliability.describeFds();
        assertEquals(fdsBefore.size(), fdsAfter.size(),
                () -> "fds left behind: " + Reliability.fdDiff(fdsBefore, fdsAfter));
        assertEquals(nativeBefore, Reliability.nativeBytes(), "native memory left behind by the failed setup");
    }

    /** {@code -Diouring4j.forceUnavailable=true} in a fresh JVM: unavailable, saying why, and holding nothing. */
    @Test
    void forcedUnavailableSaysWhyAndHoldsNothing() throws Exception {
        ChildJvm child = ChildJvm.run(60, List.of("-Diouring4j.forceUnavailable=true", "-Xmx64m"),
                ForcedUnavailableMain.class);
        System.out.println("forced unavailable:\n" + child.output.trim());
        assertEquals(0, child.exitCode, child.output);
        assertTrue(child.output.contains("available=false"), child.output);
        assertTrue(child.output.contains("cause=java.lang.UnsupportedOperationException: io_uring forced unavailable"
                + " by system property iouring4j.forceUnavailable=true"), child.output);
        assertTrue(child.output.contains("newFactory=java.lang.UnsatisfiedLinkError: io_uring transport unavailable:"
                + " io_uring forced unavailable"), child.output);
        assertTrue(child.output.contains("ioUringFds=0"), child.output);
        assertTrue(child.output.contains("nativeBytes=0"), child.output);
    }

    /** Copies everything written to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
