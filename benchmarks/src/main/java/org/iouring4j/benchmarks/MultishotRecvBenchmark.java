package org.iouring4j.benchmarks;

import org.iouring4j.ring.BufferRing;
import org.iouring4j.ring.CompletionHandler;
import org.iouring4j.ring.CompletionQueue;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
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
 * Receives through a provided buffer ring, next to {@link SocketOpBenchmark}'s RECV per message: one end of a
 * loopback TCP connection sends {@code size} bytes per op, the other receives them, both in one
 * {@code io_uring_enter}.
 *
 * <ul>
 *   <li>{@code multishot}: one multishot RECV stays armed on the reader; each completion names the ring buffer the
 *       kernel filled, which goes straight back to the ring (one tail publish per op). One SQE per op.</li>
 *   <li>{@code recv}: a SEND and a RECV SQE per op, the RECV into one fixed buffer (what the transport does today).</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar MultishotRecvBenchmark}. Score: ns per send+receive.
 */
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class MultishotRecvBenchmark {
    private static final int GROUP = 1;
    private static final int BUFFERS = 64;
    private static final long SEND = 1;
    private static final long RECV = 2;
    private static final long CANCEL = 3;

    @Param({"multishot", "recv"})
    String mode;

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
    private NativeMemory pool;
    private BufferRing bufferRing;
    private boolean multishot;
    private final Receiver receiver = new Receiver();

    /** Counts completions and gives each ring buffer back as soon as its completion is seen. */
    private final class Receiver implements CompletionHandler {
        long completed;
        long bytes;
        boolean returned;
        boolean armed;
        int firstError;

        @Override
        public void handle(long userData, int res, int flags) {
            completed++;
            if (res < 0) {
                if (firstError == 0 && !(userData == RECV && res == -Errno.ECANCELED)) {
                    firstError = res;
                }
            } else if (userData == RECV) {
                bytes += res;
            }
            if (userData == RECV && multishot) {
                if ((flags & IoUring.IORING_CQE_F_BUFFER) != 0) {
                    int id = flags >>> IoUring.IORING_CQE_BUFFER_SHIFT;
                    bufferRing.add(pool.address(id * size), size, id);
                    returned = true;
                }
                armed = (flags & IoUring.IORING_CQE_F_MORE) != 0;
            }
        }
    }

    @Setup(Level.Trial)
    public void open() throws NativeIoException {
        multishot = switch (mode) {
            case "multishot" -> true;
            case "recv" -> false;
            default -> throw new IllegalArgumentException("mode must be multishot or recv: " + mode);
        };
        ring = Ring.open(RingConfig.builder().entries(8).build());
        sq = ring.submissionQueue();
        cq = ring.completionQueue();
        connection = LoopbackConnection.open();
        writer = connection.writer;
        reader = connection.reader;
        sendBuffer = NativeMemory.allocate(size);
        receiveBuffer = NativeMemory.allocate(size);
        pool = NativeMemory.allocate(BUFFERS * size);
        if (multishot) {
            bufferRing = ring.registrar().registerBufferRing(GROUP, BUFFERS);
            for (int id = 0; id < BUFFERS; id++) {
                bufferRing.add(pool.address(id * size), size, id);
            }
            bufferRing.publish();
        }
    }

    @TearDown(Level.Trial)
    public void close() throws NativeIoException {
        if (receiver.armed) {
            // The armed receive may still write into the pool: end it, and wait for its last completion.
            sq.addCancel(RECV, 0, CANCEL);
            while (receiver.armed) {
                ring.submitAndWait(1);
                cq.drain(receiver);
            }
        }
        if (bufferRing != null) {
            bufferRing.close();
        }
        ring.close();
        connection.close();
        sendBuffer.close();
        receiveBuffer.close();
        pool.close();
        if (receiver.firstError != 0) {
            throw new NativeIoException("benchmark op", receiver.firstError);
        }
    }

    /** One send of {@code size} bytes and its receive; returns the bytes received so far. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public long sendThenReceive() throws NativeIoException {
        sq.addSend(writer, sendBuffer.address(), size, 0, SEND);
        if (!multishot) {
            sq.addRecv(reader, receiveBuffer.address(), size, 0, RECV);
        } else if (!receiver.armed) {
            sq.addRecvMultishot(reader, GROUP, 0, RECV);
            receiver.armed = true;
        }
        long before = receiver.completed;
        ring.submitAndWait(2);
        cq.drain(receiver);
        while (receiver.completed - before < 2) {
            ring.submitAndWait(1);
            cq.drain(receiver);
        }
        if (receiver.returned) {
            receiver.returned = false;
            bufferRing.publish();
        }
        return receiver.bytes;
    }
}
