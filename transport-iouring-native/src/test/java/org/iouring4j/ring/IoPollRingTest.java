package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IOPOLL rings: what the builder accepts, that waiting on one is bounded although the kernel polls rather than
 * sleeps, and what the kernel answers for ops that cannot be polled.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(20)
class IoPollRingTest {
    @TempDir
    Path tempDir;

    @Test
    void builderNamesIoPollAndCombinesItWithSqPoll() throws Exception {
        RingConfig config = RingConfig.builder().entries(8).ioPoll(true).sqPoll(true).build();
        assertEquals(IoUring.IORING_SETUP_IOPOLL | IoUring.IORING_SETUP_SQPOLL, config.setupFlags());
        try (Ring ring = Ring.open(config)) {
            assertTrue(ring.hasSetupFlag(IoUring.IORING_SETUP_IOPOLL));
        }
        assertEquals(0, RingConfig.builder().ioPoll(true).ioPoll(false).build().setupFlags());
    }

    @Test
    void builderRefusesSqThreadSettingsWithoutSqPoll() {
        IllegalArgumentException cpu = assertThrows(IllegalArgumentException.class,
                () -> RingConfig.builder().ioPoll(true).sqThreadCpu(0).build());
        assertTrue(cpu.getMessage().contains("sqThreadCpu=0 needs sqPoll"), cpu.getMessage());
        IllegalArgumentException idle = assertThrows(IllegalArgumentException.class,
                () -> RingConfig.builder().sqThreadIdleMillis(10).build());
        assertTrue(idle.getMessage().contains("sqThreadIdleMillis=10 needs sqPoll"), idle.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RingConfig.builder().sqThreadCpu(-2));
        RingConfig.builder().sqPoll(true).sqThreadCpu(0).sqThreadIdleMillis(10).build();
    }

    @Test
    void timedWaitOnAnIdleIoPollRingEndsAtItsTimeout() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().entries(8).ioPoll(true).build())) {
            long start = System.nanoTime();
            ring.submitAndWait(1, TimeUnit.MILLISECONDS.toNanos(100));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(0, ring.completionQueue().ready());
            assertTrue(elapsedMillis >= 100 && elapsedMillis < 5000, "waited " + elapsedMillis + " ms");
        }
    }

    @Test
    void untimedWaitReturnsOnceTheCompletionIsThere() throws Exception {
        try (Ring ring = Ring.open(RingConfig.builder().entries(8).ioPoll(true).build())) {
            ring.submissionQueue().addNop(5);
            ring.submitAndWait(1);
            assertEquals(1, ring.completionQueue().ready());
        }
    }

    /** Only reads and writes can be polled: a buffered read is refused, and so is every op that is not I/O. */
    @Test
    void opsThatCannotBePolledFailInsteadOfHanging() throws Exception {
        Path file = tempDir.resolve("buffered");
        Files.write(file, new byte[4096]);
        int fd = FileDescriptors.open(file.toString(), FileDescriptors.O_RDWR, 0);
        try (Ring ring = Ring.open(RingConfig.builder().entries(8).ioPoll(true).build());
             NativeMemory buf = NativeMemory.allocate(4096)) {
            ring.submissionQueue().addRead(fd, buf.address(), 4096, 0, 1);
            assertEquals(new Completions.Cqe(1, -Errno.EOPNOTSUPP, 0), Completions.awaitOne(ring));
            ring.submissionQueue().addFsync(fd, 0, 0, 0, 2);
            assertEquals(new Completions.Cqe(2, -Errno.EINVAL, 0), Completions.awaitOne(ring));
        } finally {
            Completions.closeAll(fd);
        }
    }
}
