package org.iouring4j.benchmarks;

import org.iouring4j.ring.CompletionHandler;
import org.iouring4j.ring.CompletionQueue;
import org.iouring4j.ring.FileDescriptors;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Ring-level costs of the native layer, without sockets or Netty.
 *
 * <ul>
 *   <li>{@link #nopRoundTrip}: NOPs submitted and reaped in batches of {@code batch}, one
 *       {@code io_uring_enter} per batch that both submits and waits. Score: ops/s, one op = one NOP completed.
 *       The gap between batch 1 and 256 is the per-syscall cost that batching amortises.</li>
 *   <li>{@link #prepareNop} and {@link #prepareReadv}: the Java-side cost of writing one SQE into the mapped
 *       SQE array, nothing else. Score: ns per SQE.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar RingNopBenchmark}.
 */
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RingNopBenchmark {
    /**
     * NOPs completed per {@link #nopRoundTrip} invocation, whatever the batch: JMH needs a constant for
     * {@code @OperationsPerInvocation}, and fixing the NOP count (not the batch count) per invocation makes the
     * score NOPs/s directly for every {@code batch}, and {@code -prof gc}'s B/op bytes per NOP.
     */
    static final int NOPS_PER_INVOCATION = 256;

    /**
     * SQEs written per {@link #prepareNop} / {@link #prepareReadv} invocation, and the SQ size that holds them.
     * 4096 SQEs (256 KiB of SQE array) keep the per-invocation fixture's two timestamps (~50 ns) under 1% of an
     * invocation, while the array still fits in L2 (1 MiB per core on the 2-core EPYC this was tuned on).
     */
    static final int SQES_PER_INVOCATION = 4096;

    /** One ring per trial for the NOP round trip, sized so the largest batch fits the SQ in one go. */
    @State(Scope.Thread)
    public static class NopRing {
        @Param({"1", "16", "256"})
        int batch;

        Ring ring;
        SubmissionQueue sq;
        CompletionQueue cq;
        final CountingHandler handler = new CountingHandler();

        @Setup(Level.Trial)
        public void open() throws NativeIoException {
            if (NOPS_PER_INVOCATION % batch != 0) {
                throw new IllegalArgumentException("batch must divide " + NOPS_PER_INVOCATION + ": " + batch);
            }
            ring = Ring.open(RingConfig.builder().entries(NOPS_PER_INVOCATION).build());
            sq = ring.submissionQueue();
            cq = ring.completionQueue();
        }

        @TearDown(Level.Trial)
        public void close() throws NativeIoException {
            ring.close();
            handler.verify();
        }
    }

    /**
     * A ring whose SQ holds exactly one invocation's SQEs. The measured method only writes SQEs; submitting
     * them is left to {@link #discard()}, outside the measurement.
     */
    @State(Scope.Thread)
    public static class SqeRing {
        /** {@code struct iovec { void *iov_base; size_t iov_len; }} on 64-bit Linux. */
        private static final int IOVEC_SIZE = 16;
        private static final int IOVEC_LEN = 8;
        private static final int READ_SIZE = 64;

        Ring ring;
        SubmissionQueue sq;
        CompletionQueue cq;
        final CountingHandler handler = new CountingHandler();
        /** /dev/zero: a READV on it completes inline at submission, so discarding the SQEs stays cheap. */
        int zeroFd = -1;
        /** One iovec over a scratch buffer; every READV of the trial reuses it. */
        NativeMemory iovec;
        NativeMemory buffer;

        @Setup(Level.Trial)
        public void open() throws NativeIoException {
            ring = Ring.open(RingConfig.builder()
                    .entries(SQES_PER_INVOCATION)
                    .cqEntries(2 * SQES_PER_INVOCATION)
                    .build());
            sq = ring.submissionQueue();
            cq = ring.completionQueue();
            zeroFd = FileDescriptors.open("/dev/zero", FileDescriptors.O_RDONLY, 0);
            buffer = NativeMemory.allocate(READ_SIZE);
            iovec = NativeMemory.allocate(IOVEC_SIZE);
            iovec.putLong(0, buffer.address());
            iovec.putLong(IOVEC_LEN, READ_SIZE);
        }

        /**
         * Why submit here and not inside the benchmark: the SQ fills after {@link #SQES_PER_INVOCATION} writes,
         * and {@code SubmissionQueue} would then submit by itself, so an enter and thousands of kernel-side
         * completions would land inside the measured time and swamp a cost of a few ns. Submitting (and
         * reaping) the whole invocation's SQEs in an invocation-level fixture empties the SQ before the next
         * invocation, so the measured loop never reaches {@code makeRoom} and measures the SQE writes alone.
         */
        @TearDown(Level.Invocation)
        public void discard() throws NativeIoException {
            ring.submit();
            long target = handler.completed + SQES_PER_INVOCATION;
            cq.drain(handler);
            while (handler.completed < target) {
                ring.submitAndWait(1);
                cq.drain(handler);
            }
            handler.verify();
        }

        @TearDown(Level.Trial)
        public void close() throws NativeIoException {
            ring.close();
            FileDescriptors.close(zeroFd);
            iovec.close();
            buffer.close();
        }
    }

    /**
     * Counts completions and remembers the first failure. A named class held in a field, so reaping allocates
     * nothing and captures nothing per op.
     */
    static final class CountingHandler implements CompletionHandler {
        long completed;
        long userDataSum;
        private int firstError;

        @Override
        public void handle(long userData, int res, int flags) {
            completed++;
            userDataSum += userData;
            if (res < 0 && firstError == 0) {
                firstError = res;
            }
        }

        /** Fails the run if any completion carried an error, so a broken ring cannot report a fast score. */
        void verify() throws NativeIoException {
            if (firstError != 0) {
                throw new NativeIoException("benchmark op", firstError);
            }
        }
    }

    /**
     * Submits and reaps {@link #NOPS_PER_INVOCATION} NOPs, {@code batch} at a time. A NOP completes inline at
     * submission, so one {@code submitAndWait(batch)} per batch both submits and reaps; the loop around the
     * drain only guards against a kernel that defers completions.
     *
     * @return a sum over the reaped user data, so JMH consumes the reaping's result
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(NOPS_PER_INVOCATION)
    public long nopRoundTrip(NopRing s) throws NativeIoException {
        SubmissionQueue sq = s.sq;
        CompletionQueue cq = s.cq;
        CountingHandler handler = s.handler;
        int batch = s.batch;
        for (int done = 0; done < NOPS_PER_INVOCATION; done += batch) {
            for (int i = 0; i < batch; i++) {
                sq.addNop(done + i);
            }
            s.ring.submitAndWait(batch);
            int reaped = cq.drain(handler);
            while (reaped < batch) {
                s.ring.submitAndWait(batch - reaped);
                reaped += cq.drain(handler);
            }
        }
        return handler.userDataSum;
    }

    /**
     * Writes {@link #SQES_PER_INVOCATION} NOP SQEs. A loop inside a benchmark is normally a JMH smell (the JIT
     * may fold iterations together); here it is the real usage, since an event loop writes its SQEs back to
     * back before one enter, and each write is a store to native memory the JIT cannot elide.
     */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(SQES_PER_INVOCATION)
    public int prepareNop(SqeRing s) {
        SubmissionQueue sq = s.sq;
        int sqe = 0;
        for (int i = 0; i < SQES_PER_INVOCATION; i++) {
            sqe = sq.addNop(i);
        }
        return sqe;
    }

    /** As {@link #prepareNop}, with READV SQEs (fd, offset, iovec address and count set). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    @OperationsPerInvocation(SQES_PER_INVOCATION)
    public int prepareReadv(SqeRing s) {
        SubmissionQueue sq = s.sq;
        int fd = s.zeroFd;
        long iovecs = s.iovec.address();
        int sqe = 0;
        for (int i = 0; i < SQES_PER_INVOCATION; i++) {
            sqe = sq.addReadv(fd, iovecs, 1, 0, i);
        }
        return sqe;
    }
}
