package org.iouring4j.ring;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test helper: submits and reaps with a deadline. A JUnit timeout cannot interrupt a thread blocked in
 * {@code io_uring_enter}, so every wait here is a short timed wait in a loop, and a completion that never
 * comes fails the test with what did arrive instead of hanging the build.
 */
final class Completions {
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private Completions() {
    }

    /** One completion, copied out of the CQ. */
    record Cqe(long userData, int res, int flags) {
        boolean hasMore() {
            return (flags & IoUring.IORING_CQE_F_MORE) != 0;
        }

        boolean hasBuffer() {
            return (flags & IoUring.IORING_CQE_F_BUFFER) != 0;
        }

        int bufferId() {
            return flags >>> IoUring.IORING_CQE_BUFFER_SHIFT;
        }
    }

    /** Submits what is queued and reaps exactly {@code count} completions (later ones stay in the CQ). */
    static List<Cqe> await(Ring ring, int count) throws NativeIoException {
        List<Cqe> got = new ArrayList<>(count);
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (got.size() < count) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + count + " completions, got " + got);
            }
            ring.submitAndWait(1, WAIT_SLICE_NANOS);
            ring.completionQueue().drain((userData, res, flags) -> got.add(new Cqe(userData, res, flags)),
                    count - got.size());
        }
        return got;
    }

    /** Submits what is queued and reaps exactly one completion. */
    static Cqe awaitOne(Ring ring) throws NativeIoException {
        return await(ring, 1).get(0);
    }

    /** Reaps {@code count} completions and indexes them by user data, failing on a duplicate. */
    static Map<Long, Cqe> awaitByUserData(Ring ring, int count) throws NativeIoException {
        Map<Long, Cqe> byUserData = new HashMap<>();
        for (Cqe cqe : await(ring, count)) {
            assertNull(byUserData.put(cqe.userData(), cqe), "two completions for user data " + cqe.userData());
        }
        return byUserData;
    }

    /** {@code len} bytes of a recognisable pattern that differs per {@code seed}. */
    static byte[] pattern(int len, int seed) {
        byte[] bytes = new byte[len];
        for (int i = 0; i < len; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7 + 1);
        }
        return bytes;
    }

    /** The {@code len} bytes at {@code offset} of {@code memory}. */
    static byte[] bytes(NativeMemory memory, int offset, int len) {
        byte[] bytes = new byte[len];
        memory.get(offset, bytes, 0, len);
        return bytes;
    }

    /** A NativeMemory holding {@code data}. */
    static NativeMemory memoryOf(byte[] data) {
        NativeMemory memory = NativeMemory.allocate(data.length);
        memory.put(0, data, 0, data.length);
        return memory;
    }

    /** Closes every fd (all of them, even after a failure), then fails if any close did. */
    static void closeAll(int... fds) {
        NativeIoException first = null;
        for (int fd : fds) {
            try {
                FileDescriptors.close(fd);
            } catch (NativeIoException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw new AssertionError("closing test fds failed", first);
        }
    }
}
