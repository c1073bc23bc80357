package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A provided-buffer ring feeding a multishot RECV: each receive lands in a kernel-picked buffer it names. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class BufferRingTest {
    private static final int GROUP = 7;
    private static final int BUFFERS = 8;
    private static final int BUFFER_SIZE = 256;
    private static final long RECV = 1;

    @Test
    void multishotRecvNamesTheProvidedBufferOfEachReceive() throws Exception {
        assumeTrue(KernelFeatures.system().multishotRecv(), "provided-buffer rings and multishot RECV need Linux 6.0");
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory pool = NativeMemory.allocate(BUFFERS * BUFFER_SIZE);
             NativeMemory out = NativeMemory.allocate(BUFFER_SIZE);
             Ring ring = Ring.open(RingConfig.defaults())) {
            BufferRing buffers = ring.registrar().registerBufferRing(GROUP, BUFFERS);
            assertEquals(GROUP, buffers.groupId());
            assertEquals(BUFFERS, buffers.entries());
            for (int id = 0; id < BUFFERS; id++) {
                buffers.add(pool.address(id * BUFFER_SIZE), BUFFER_SIZE, id);
            }
            buffers.publish();
            ring.submissionQueue().addRecvMultishot(pair[1], GROUP, 0, RECV);
            ring.submit();

            Set<Integer> usedIds = new HashSet<>();
            for (String message : new String[] {"hello", "provided buffers!"}) {
                byte[] data = message.getBytes(StandardCharsets.US_ASCII);
                out.put(0, data, 0, data.length);
                // One write per completion, so the two receives cannot merge into one.
                assertEquals(data.length, FileDescriptors.write(pair[0], out.address(), data.length));
                Completions.Cqe cqe = Completions.awaitOne(ring);
                assertEquals(RECV, cqe.userData());
                assertEquals(data.length, cqe.res(), "received bytes");
                assertTrue(cqe.hasBuffer(), "IORING_CQE_F_BUFFER missing: " + cqe);
                assertTrue(cqe.hasMore(), "multishot recv must stay armed: " + cqe);
                int id = cqe.bufferId();
                assertTrue(id >= 0 && id < BUFFERS, "buffer id " + id);
                assertTrue(usedIds.add(id), "a consumed buffer was picked again: " + id);
                assertArrayEquals(data, Completions.bytes(pool, id * BUFFER_SIZE, data.length));
            }

            // Disarm before the buffers go away: the final CQE comes without F_MORE.
            ring.submissionQueue().addCancel(RECV, 0, 2);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(0, done.get(2L).res(), "cancel");
            assertEquals(-Errno.ECANCELED, done.get(RECV).res(), "recv after cancel");
            assertFalse(done.get(RECV).hasMore());
        } finally {
            Completions.closeAll(pair);
        }
    }

    @Test
    void recvWithEmptyGroupFailsWithEnobufs() throws Exception {
        assumeTrue(KernelFeatures.system().multishotRecv(), "provided-buffer rings and multishot RECV need Linux 6.0");
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory out = Completions.memoryOf(new byte[] {42});
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.registrar().registerBufferRing(GROUP, BUFFERS); // registered, but no buffer published
            ring.submissionQueue().addRecvMultishot(pair[1], GROUP, 0, RECV);
            ring.submit();
            FileDescriptors.write(pair[0], out.address(), 1);
            Completions.Cqe cqe = Completions.awaitOne(ring);
            assertEquals(-Errno.ENOBUFS, cqe.res());
            assertFalse(cqe.hasMore(), "a multishot recv that ran out of buffers is terminated");
        } finally {
            Completions.closeAll(pair);
        }
    }

    /**
     * An incrementally consumed ring ({@code IOU_PBUF_RING_INC}): two receives land one after the other in the one
     * buffer, each flagged {@code IORING_CQE_F_BUF_MORE} (the buffer has room left and stays in the ring).
     */
    @Test
    void anIncrementalRingFillsOneBufferWithSuccessiveReceives() throws Exception {
        // Linux 6.12: older kernels refuse the flag with EINVAL (KernelFeaturesTest checks that 6.12+ reports it).
        assumeTrue(KernelFeatures.system().bufferRingIncremental(), "IOU_PBUF_RING_INC needs Linux 6.12");
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory pool = NativeMemory.allocate(BUFFER_SIZE);
             NativeMemory out = NativeMemory.allocate(BUFFER_SIZE);
             Ring ring = Ring.open(RingConfig.defaults())) {
            BufferRing buffers = ring.registrar().registerBufferRing(GROUP, 1, IoUring.IOU_PBUF_RING_INC);
            buffers.add(pool.address(), BUFFER_SIZE, 0);
            buffers.publish();
            ring.submissionQueue().addRecvMultishot(pair[1], GROUP, 0, RECV);
            ring.submit();

            int offset = 0;
            for (String message : new String[] {"hello", "incremental!"}) {
                byte[] data = message.getBytes(StandardCharsets.US_ASCII);
                out.put(0, data, 0, data.length);
                assertEquals(data.length, FileDescriptors.write(pair[0], out.address(), data.length));
                Completions.Cqe cqe = Completions.awaitOne(ring);
                assertEquals(data.length, cqe.res(), "received bytes");
                assertTrue(cqe.hasBuffer(), "IORING_CQE_F_BUFFER missing: " + cqe);
                assertEquals(0, cqe.bufferId());
                assertTrue((cqe.flags() & IoUring.IORING_CQE_F_BUF_MORE) != 0, "IORING_CQE_F_BUF_MORE missing: " + cqe);
                assertArrayEquals(data, Completions.bytes(pool, offset, data.length), "bytes at offset " + offset);
                offset += data.length;
            }

            ring.submissionQueue().addCancel(RECV, 0, 2);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(-Errno.ECANCELED, done.get(RECV).res(), "recv after cancel");
        } finally {
            Completions.closeAll(pair);
        }
    }

    @Test
    void entriesMustBeAPowerOfTwo() throws Exception {
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            assertThrows(IllegalArgumentException.class, () -> ring.registrar().registerBufferRing(GROUP, 6));
        }
    }
}
