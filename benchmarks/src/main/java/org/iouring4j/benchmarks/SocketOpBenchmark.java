package org.iouring4j.benchmarks;

import org.iouring4j.ring.CompletionQueue;
import org.iouring4j.ring.Iovec;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.RingConfig;
import org.iouring4j.ring.SubmissionQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What the kernel charges for the socket op a channel picks, everything else equal: one {@code size}-byte write
 * on one end of a loopback TCP connection and one read of it on the other, both in one {@code io_uring_enter}.
 * The write is issued first (SQEs are issued in order) and loopback queues its bytes at the reader within the
 * write, so the read finds them; the loopback TCP path itself dominates the score, and the gap between the two
 * settings is what the op choice costs.
 *
 * <ul>
 *   <li>{@code vectored}: WRITEV and READV with one iovec, through the VFS ({@code sock_write_iter}): the iovec
 *       is copied from user memory at prep, the file position and access checks run for every op.</li>
 *   <li>{@code plain}: SEND and RECV straight into {@code sock_sendmsg}/{@code sock_recvmsg}.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar SocketOpBenchmark}. Score: ns per write+read pair.
 */
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class SocketOpBenchmark {
    @Param({"vectored", "plain"})
    String ops;

    @Param({"64", "4096"})
    int size;

    private Ring ring;
    private SubmissionQueue sq;
    private CompletionQueue cq;
    private LoopbackConnection connection;
    private int writer;
    private int reader;
    private NativeMemory sendBuffer;
    private NativeMemory receiveBuffer;
    private NativeMemory iovecs;
    private boolean vectored;
    private final RingNopBenchmark.CountingHandler handler = new RingNopBenchmark.CountingHandler();

    @Setup(Level.Trial)
    public void open() throws NativeIoException {
        vectored = switch (ops) {
            case "vectored" -> true;
            case "plain" -> false;
            default -> throw new IllegalArgumentException("ops must be vectored or plain: " + ops);
        };
        ring = Ring.open(RingConfig.builder().entries(8).build());
        sq = ring.submissionQueue();
        cq = ring.completionQueue();
        connection = LoopbackConnection.open();
        writer = connection.writer;
        reader = connection.reader;
        sendBuffer = NativeMemory.allocate(size);
        receiveBuffer = NativeMemory.allocate(size);
        iovecs = NativeMemory.allocate(2 * Iovec.SIZE);
        Iovec.put(iovecs, 0, sendBuffer.address(), size);
        Iovec.put(iovecs, Iovec.SIZE, receiveBuffer.address(), size);
    }

    @TearDown(Level.Trial)
    public void close() throws NativeIoException {
        ring.close();
        connection.close();
        sendBuffer.close();
        receiveBuffer.close();
        iovecs.close();
        handler.verify();
    }

    /** One write and one read of {@code size} bytes, submitted together; returns the bytes read. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long writeThenRead() throws NativeIoException {
        if (vectored) {
            sq.addWritev(writer, iovecs.address(), 1, 0, 1);
            sq.addReadv(reader, iovecs.address() + Iovec.SIZE, 1, 0, 2);
        } else {
            sq.addSend(writer, sendBuffer.address(), size, 0, 1);
            sq.addRecv(reader, receiveBuffer.address(), size, 0, 2);
        }
        long before = handler.completed;
        ring.submitAndWait(2);
        cq.drain(handler);
        while (handler.completed - before < 2) {
            ring.submitAndWait(1);
            cq.drain(handler);
        }
        return handler.userDataSum;
    }
}
