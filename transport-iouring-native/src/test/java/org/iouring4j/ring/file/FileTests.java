package org.iouring4j.ring.file;

import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test helpers: bounded waits on futures, content patterns, and the leak checks every file test ends with (no
 * native memory of this library and no fd on the test's files left behind).
 */
final class FileTests {
    static final long TIMEOUT_SECONDS = 10;

    private FileTests() {
    }

    /** The future's value, waiting at most {@link #TIMEOUT_SECONDS}; its failure is rethrown as is. */
    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception) {
                throw (Exception) cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new AssertionError("no completion within " + TIMEOUT_SECONDS + " s: " + future, e);
        }
    }

    /** The {@link NativeIoException} {@code future} fails with (within the timeout). */
    static NativeIoException failure(CompletableFuture<?> future) throws InterruptedException {
        try {
            Object value = future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return assertInstanceOf(NativeIoException.class, e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("no completion within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /** Asserts {@code future} failed with {@code errno} on {@code op}, naming {@code path} in its message. */
    static NativeIoException assertFails(CompletableFuture<?> future, String op, int errno, Path path)
            throws InterruptedException {
        NativeIoException e = failure(future);
        assertEquals(op, e.op(), e.getMessage());
        assertEquals(errno, e.errno(), e.getMessage());
        assertEquals(path.toString(), e.path());
        if (!e.getMessage().contains(path.toString())) {
            fail("message should name the path: " + e.getMessage());
        }
        return e;
    }

    /** {@code len} bytes of a pattern that differs per {@code seed} and per position. */
    static byte[] pattern(int len, int seed) {
        byte[] bytes = new byte[len];
        for (int i = 0; i < len; i++) {
            bytes[i] = (byte) ((i / 7) * 31 + seed * 13 + i);
        }
        return bytes;
    }

    /** A direct buffer holding {@code bytes}, ready to be written. */
    static ByteBuffer directOf(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length);
        buffer.put(bytes).flip();
        return buffer;
    }

    /** The bytes from position to limit, without moving the position. */
    static byte[] remainingOf(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    /** The bytes before the position (what a read filled), without moving it. */
    static byte[] filledOf(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        copy.flip();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** Live native bytes of this library now, to compare after the test ({@link #assertNoLeaks}). */
    static long nativeBaseline() {
        return NativeMemory.liveBytes();
    }

    /** Asserts that this library holds no more native memory than at {@code baseline}, and no fd under {@code dir}. */
    static void assertNoLeaks(long baseline, Path dir) throws IOException {
        assertEquals(baseline, NativeMemory.liveBytes(), "native memory of this library left behind");
        List<String> open = openFdsUnder(dir);
        assertEquals(List.of(), open, "fds left open on the test's files");
    }

    /** The targets of this process's open fds that lie under {@code dir}. */
    static List<String> openFdsUnder(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        String prefix = dir.toRealPath().toString();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix)) {
                        found.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed while listing (the listing's own fd)
                }
            }
        }
        return found;
    }

    /**
     * A directory on a file system that does O_DIRECT and reports its alignment: {@code preferred} (the test's temp
     * dir) if it does, else a fresh directory under {@code /var/tmp} (disk-backed on most systems, unlike a tmpfs
     * {@code /tmp}); the test is skipped, saying why, when neither does.
     */
    static Path directIoDir(Path preferred) throws IOException {
        if (supportsDirectIo(preferred)) {
            return preferred;
        }
        Path fallback = Files.createTempDirectory(Path.of("/var/tmp"), "iouring4j-direct");
        if (supportsDirectIo(fallback)) {
            return fallback;
        }
        deleteTree(fallback);
        Assumptions.abort("neither " + preferred + " nor /var/tmp supports O_DIRECT with reported alignment");
        return null;
    }

    private static boolean supportsDirectIo(Path dir) throws IOException {
        Path probe = Files.createTempFile(dir, "probe", ".bin");
        try {
            int fd = FileDescriptors.open(probe.toString(), FileDescriptors.O_RDWR | FileDescriptors.O_DIRECT, 0);
            FileDescriptors.close(fd);
            return !Files.getFileStore(dir).type().equals("tmpfs");
        } catch (NativeIoException e) {
            return false;
        } finally {
            Files.delete(probe);
        }
    }

    /** Deletes {@code dir} and everything in it (a fallback directory made outside {@code @TempDir}). */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths.sorted((a, b) -> b.compareTo(a))::iterator) {
                Files.delete(p);
            }
        }
    }
}
