package org.iouring4j.benchmarks.file;

import org.iouring4j.ring.RingConfig;
import org.iouring4j.ring.file.UringFileDriver;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * 4 KiB random reads, side by side: {@code FileChannel} positional reads, {@code AsynchronousFileChannel},
 * {@code UringFile} (the caller waiting on futures, and reads chained in callbacks; also on an SQPOLL ring), and
 * one raw ring per thread, over (a) a file held in the page cache and (b) a 2 GiB file read with O_DIRECT, at queue
 * depths 1, 32 and 128 per thread, with 1 and 2 threads. Reports reads per second and CPU per read: the process's
 * CPU time (every thread: the driver, AsynchronousFileChannel's pool, io_uring's workers and SQPOLL thread,
 * {@code /proc/self/stat}'s utime + stime at nanosecond resolution) over the reads done. Ratios are against
 * {@code FileChannel} with the same file and threads (which cannot queue more than one read per thread).
 *
 * <p>Run: {@code mvn -B -q -DskipTests package && java -cp benchmarks/target/benchmarks.jar
 * org.iouring4j.benchmarks.file.FileReadBenchmark}. Properties: {@code dir} (where the files go; O_DIRECT needs a
 * disk file system, not tmpfs; default {@code /var/tmp}), {@code seconds} (3 per row), {@code warmupSeconds} (1),
 * {@code depths} (1,32,128), {@code threads} (1,2), {@code kinds} (cached,direct), {@code cachedMiB} (256),
 * {@code directMiB} (2048), {@code keep} (false: delete the files at the end).
 */
public final class FileReadBenchmark {
    private static final int MIB = 1 << 20;

    private final Path dir = Path.of(System.getProperty("dir", "/var/tmp"));
    private final long seconds = Long.getLong("seconds", 3);
    private final long warmupSeconds = Long.getLong("warmupSeconds", 1);
    private final int[] depths = ints(System.getProperty("depths", "1,32,128"));
    private final int[] threads = ints(System.getProperty("threads", "1,2"));
    private final List<String> kinds = List.of(System.getProperty("kinds", "cached,direct").split(","));
    private final long cachedSize = Long.getLong("cachedMiB", 256) * MIB;
    private final long directSize = Long.getLong("directMiB", 2048) * MIB;
    private final boolean keep = Boolean.getBoolean("keep");

    private FileReadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        new FileReadBenchmark().run();
    }

    private void run() throws Exception {
        System.out.printf("4 KiB random reads, %d s per row after %d s warm-up, %d CPUs, %s, Java %s%n", seconds,
                warmupSeconds, Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
                Runtime.version());
        System.out.printf("%-7s %3s %5s  %-42s %11s %9s %9s %9s%n", "file", "thr", "depth", "reader", "reads/s",
                "CPU us/rd", "x reads", "x CPU");
        for (String kind : kinds) {
            boolean direct = kind.equals("direct");
            long size = direct ? directSize : cachedSize;
            Path path = dir.resolve("iouring4j-bench-" + kind + ".bin");
            prepare(path, size, direct);
            try {
                for (int threadCount : threads) {
                    Row baseline = measure(new RandomReader.FileChannelReader(path, direct, size), threadCount);
                    print(kind, threadCount, 1, baseline, baseline);
                    for (int depth : depths) {
                        try (Drivers drivers = new Drivers(depth)) {
                            for (Callable<RandomReader> reader : readers(path, direct, size, depth, drivers)) {
                                print(kind, threadCount, depth, measure(reader.call(), threadCount), baseline);
                            }
                        }
                    }
                }
            } finally {
                if (!keep) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** The asynchronous readers at one depth, made one at a time; each is closed after its row. */
    private static List<Callable<RandomReader>> readers(Path path, boolean direct, long size, int depth,
                                                        Drivers drivers) {
        List<Callable<RandomReader>> factories = new ArrayList<>();
        factories.add(() -> new RandomReader.AsyncChannelReader(path, direct, size, depth));
        factories.add(() -> new RandomReader.UringFileBlockingReader(drivers.plain, path, direct, size, depth));
        factories.add(() -> new RandomReader.UringFilePipelinedReader(drivers.plain, path, direct, size, depth));
        factories.add(() -> new RandomReader.UringFilePipelinedReader(drivers.sqPoll, path, direct, size, depth));
        factories.add(() -> new RandomReader.RingPerThreadReader(path, direct, size, depth));
        return factories;
    }

    /** A plain and an SQPOLL driver, with rings large enough for two threads' reads at one depth. */
    private static final class Drivers implements AutoCloseable {
        final UringFileDriver plain;
        final UringFileDriver sqPoll;

        Drivers(int depth) throws IOException {
            // The CQ (twice the entries) bounds the reads in flight; leave room for 2 threads' and the driver's own.
            int entries = Math.max(64, Integer.highestOneBit(depth * 2) * 2);
            this.plain = UringFileDriver.builder().ring(RingConfig.builder().entries(entries).build()).start();
            this.sqPoll = UringFileDriver.builder()
                    .ring(RingConfig.builder().entries(entries).sqPoll(true).sqThreadIdleMillis(100).build()).start();
        }

        @Override
        public void close() {
            plain.close();
            sqPoll.close();
        }
    }

    /** One row's outcome. */
    private record Row(String reader, double readsPerSecond, double cpuMicrosPerRead) {
    }

    /** Warms up, then runs {@code reader} from {@code threadCount} threads at once for the row's time; closes it. */
    private Row measure(RandomReader reader, int threadCount) throws Exception {
        try (reader) {
            runThreads(reader, threadCount, warmupSeconds);
            long cpuBefore = processCpuNanos();
            long start = System.nanoTime();
            long reads = runThreads(reader, threadCount, seconds);
            long elapsed = System.nanoTime() - start;
            long cpu = processCpuNanos() - cpuBefore;
            return new Row(reader.name(), reads * 1e9 / elapsed, cpu / 1e3 / reads);
        }
    }

    private static long runThreads(RandomReader reader, int threadCount, long seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threadCount);
        try {
            CyclicBarrier start = new CyclicBarrier(threadCount);
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < threadCount; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    return reader.run(thread, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
                }));
            }
            long reads = 0;
            for (Future<Long> result : results) {
                reads += result.get(seconds + 60, TimeUnit.SECONDS);
            }
            return reads;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void print(String kind, int threadCount, int depth, Row row, Row baseline) {
        System.out.printf(Locale.ROOT, "%-7s %3d %5d  %-42s %,11.0f %9.2f %8.2fx %8.2fx%n", kind, threadCount, depth,
                row.reader(), row.readsPerSecond(), row.cpuMicrosPerRead(),
                row.readsPerSecond() / baseline.readsPerSecond(), row.cpuMicrosPerRead() / baseline.cpuMicrosPerRead());
    }

    /**
     * Makes the file unless one of the right size is there, filled with non-zero bytes (so no file system can keep it
     * sparse). A cached file is then read once whole, so every row reads from the page cache; a direct one is
     * dropped from it by O_DIRECT reads bypassing the cache anyway.
     */
    private static void prepare(Path path, long size, boolean direct) throws IOException {
        if (!Files.exists(path) || Files.size(path) != size) {
            System.out.printf("writing %s (%d MiB)...%n", path, size / MIB);
            ByteBuffer chunk = ByteBuffer.allocateDirect(MIB);
            for (int i = 0; i < MIB; i++) {
                chunk.put(i, (byte) (i * 31 + 7));
            }
            try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long written = 0; written < size; written += MIB) {
                    chunk.clear();
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                }
                out.force(true);
            }
        }
        if (!direct) {
            try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);
                for (long position = 0; position < size; position += MIB) {
                    buffer.clear();
                    in.read(buffer, position);
                }
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static int[] ints(String list) {
        String[] parts = list.split(",");
        int[] values = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Integer.parseInt(parts[i].trim());
        }
        return values;
    }
}
