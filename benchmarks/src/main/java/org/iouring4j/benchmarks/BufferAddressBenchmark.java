package org.iouring4j.benchmarks;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.iouring4j.ring.NativeMemory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What finding a direct buffer's native address costs when Netty cannot say (its {@code sun.misc.Unsafe} off, the
 * default on Java 25): what every socket op of the transport then pays once per buffer.
 *
 * <ul>
 *   <li>{@code ringLibrary}: {@link NativeMemory#positionAddressOf}: the foreign-memory API on Java 22+, the JNI
 *       call below before that.</li>
 *   <li>{@code jniCall}: JNA's {@code Native.getDirectBufferPointer} (the JVM's {@code GetDirectBufferAddress}).</li>
 * </ul>
 *
 * <p>Run on the JDK to measure: {@code java -jar benchmarks/target/benchmarks.jar BufferAddressBenchmark}. Score:
 * ns per address (add {@code -prof gc} for the allocation per call).
 */
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class BufferAddressBenchmark {
    private final ByteBuffer[] buffers = new ByteBuffer[64];
    private int next;

    @Setup
    public void setUp() {
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = ByteBuffer.allocateDirect(4096).position(i);
        }
    }

    private ByteBuffer nextBuffer() {
        return buffers[next++ & (buffers.length - 1)];
    }

    @Benchmark
    public long ringLibrary() {
        return NativeMemory.positionAddressOf(nextBuffer());
    }

    @Benchmark
    public long jniCall() {
        ByteBuffer buffer = nextBuffer();
        return Pointer.nativeValue(Native.getDirectBufferPointer(buffer)) + buffer.position();
    }
}
