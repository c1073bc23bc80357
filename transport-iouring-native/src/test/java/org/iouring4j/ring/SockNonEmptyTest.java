package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code IORING_CQE_F_SOCK_NONEMPTY} on the completions of a TCP receive: set while bytes are still queued in the
 * socket, clear once a receive has taken the last of them, even when that receive exactly fills its buffer. The
 * transport ends a read batch (fires {@code channelReadComplete}) on a clear flag, so a flag that stays set on a
 * drained socket would hold back a request's response until more data comes.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class SockNonEmptyTest {
    private static final int GROUP = 3;
    private static final int BUFFER_SIZE = 16;
    private static final int BUFFERS = 4;
    private static final long RECV = 1;

    @Test
    void aSingleReceiveThatEmptiesTheSocketSaysNothingIsLeft() throws Exception {
        assumeTrue(KernelFeatures.system().sockNonEmpty(), "IORING_CQE_F_SOCK_NONEMPTY needs Linux 5.19");
        int[] connection = tcpConnection();
        try (NativeMemory buffer = NativeMemory.allocate(BUFFER_SIZE);
             Ring ring = Ring.open(RingConfig.defaults())) {
            assertEquals(BUFFER_SIZE, FileDescriptors.write(connection[0], buffer.address(), BUFFER_SIZE));
            ring.submissionQueue().addRecv(connection[1], buffer.address(), BUFFER_SIZE, 0, RECV);
            Completions.Cqe cqe = Completions.awaitOne(ring);
            assertEquals(BUFFER_SIZE, cqe.res());
            assertFalse(sockNonEmpty(cqe), "socket drained, yet SOCK_NONEMPTY: " + cqe);
        } finally {
            Completions.closeAll(connection);
        }
    }

    @Test
    void aMultishotReceiveSaysWhetherBytesAreLeftAfterEachBuffer() throws Exception {
        KernelFeatures features = KernelFeatures.system();
        assumeTrue(features.sockNonEmpty() && features.multishotRecv(), "needs Linux 6.0");
        int[] connection = tcpConnection();
        try (NativeMemory pool = NativeMemory.allocate(BUFFERS * BUFFER_SIZE);
             NativeMemory out = NativeMemory.allocate(2 * BUFFER_SIZE);
             Ring ring = Ring.open(RingConfig.defaults())) {
            BufferRing buffers = ring.registrar().registerBufferRing(GROUP, BUFFERS);
            for (int id = 0; id < BUFFERS; id++) {
                buffers.add(pool.address(id * BUFFER_SIZE), BUFFER_SIZE, id);
            }
            buffers.publish();
            ring.submissionQueue().addRecvMultishot(connection[1], GROUP, 0, RECV);
            ring.submit();

            // Exactly one buffer's worth: the receive fills its buffer and empties the socket.
            assertEquals(BUFFER_SIZE, FileDescriptors.write(connection[0], out.address(), BUFFER_SIZE));
            Completions.Cqe exact = Completions.awaitOne(ring);
            assertEquals(BUFFER_SIZE, exact.res());
            assertTrue(exact.hasMore(), "still armed: " + exact);
            assertFalse(sockNonEmpty(exact), "socket drained by a buffer-filling receive, yet SOCK_NONEMPTY: " + exact);

            // One and a half buffers at once: the first receive leaves bytes behind, the second takes the rest.
            int length = BUFFER_SIZE + BUFFER_SIZE / 2;
            assertEquals(length, FileDescriptors.write(connection[0], out.address(), length));
            List<Completions.Cqe> cqes = Completions.await(ring, 2);
            assertEquals(BUFFER_SIZE, cqes.get(0).res());
            assertTrue(sockNonEmpty(cqes.get(0)), "bytes left behind, yet no SOCK_NONEMPTY: " + cqes.get(0));
            assertEquals(BUFFER_SIZE / 2, cqes.get(1).res());
            assertFalse(sockNonEmpty(cqes.get(1)), "socket drained, yet SOCK_NONEMPTY: " + cqes.get(1));

            ring.submissionQueue().addCancel(RECV, 0, 2);
            Completions.awaitByUserData(ring, 2);
        } finally {
            Completions.closeAll(connection);
        }
    }

    private static boolean sockNonEmpty(Completions.Cqe cqe) {
        return (cqe.flags() & IoUring.IORING_CQE_F_SOCK_NONEMPTY) != 0;
    }

    /** A connected loopback TCP pair: {client, accepted server side}. */
    private static int[] tcpConnection() throws Exception {
        int listener = LinuxSocket.newStreamSocket(false);
        try {
            LinuxSocket.bind(listener, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), false);
            LinuxSocket.listen(listener, 1);
            int client = LinuxSocket.newStreamSocket(false);
            LinuxSocket.connect(client, LinuxSocket.localAddress(listener), false);
            return new int[] {client, LinuxSocket.accept(listener)};
        } finally {
            Completions.closeAll(listener);
        }
    }
}
