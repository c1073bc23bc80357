package org.iouring4j.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * SEND_ZC and SENDMSG_ZC on a loopback TCP connection: each yields its result flagged {@code IORING_CQE_F_MORE},
 * then a notification ({@code IORING_CQE_F_NOTIF}) with the same user data, and the peer gets the bytes. A socket
 * that cannot send zero copy (AF_UNIX) refuses with EOPNOTSUPP, and still notifies if its result says more follows.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class SendZcTest {
    private static final int LENGTH = 64 * 1024;
    private static final long USER_DATA = 0x5A_0001L;

    private Ring ring;
    private int listener = -1;
    private int client = -1;
    private int server = -1;

    @BeforeEach
    void connect() throws Exception {
        assumeTrue(Probe.system().isSupported(Opcode.SEND_ZC), "SEND_ZC needs Linux 6.0");
        ring = Ring.open(RingConfig.defaults());
        listener = LinuxSocket.newStreamSocket(false);
        LinuxSocket.bind(listener, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), false);
        LinuxSocket.listen(listener, 1);
        client = LinuxSocket.newStreamSocket(false);
        LinuxSocket.connect(client, LinuxSocket.localAddress(listener), false);
        server = LinuxSocket.accept(listener);
    }

    @AfterEach
    void close() {
        if (ring != null) {
            ring.close();
        }
        for (int fd : new int[] {server, client, listener}) {
            if (fd >= 0) {
                Completions.closeAll(fd);
            }
        }
    }

    @Test
    void sendZcYieldsItsResultThenANotification() throws Exception {
        byte[] data = Completions.pattern(LENGTH, 1);
        try (NativeMemory buffer = Completions.memoryOf(data)) {
            ring.submissionQueue().addSendZc(client, buffer.address(), LENGTH, LinuxSocket.MSG_NOSIGNAL,
                    IoUring.IORING_SEND_ZC_REPORT_USAGE, USER_DATA);
            assertResultThenNotification(Completions.await(ring, 2));
            assertArrayEquals(data, receive(LENGTH));
        }
    }

    @Test
    void sendmsgZcYieldsItsResultThenANotification() throws Exception {
        assumeTrue(Probe.system().isSupported(Opcode.SENDMSG_ZC), "SENDMSG_ZC needs Linux 6.1");
        byte[] data = Completions.pattern(LENGTH, 2);
        try (NativeMemory buffer = Completions.memoryOf(data); MessageSlots slots = new MessageSlots(1, 0)) {
            int slot = slots.acquire();
            slots.prepareSend(slot, buffer.address(), LENGTH, 0);
            ring.submissionQueue().addSendmsgZc(client, slots.msghdrAddress(slot), LinuxSocket.MSG_NOSIGNAL, 0,
                    USER_DATA);
            assertResultThenNotification(Completions.await(ring, 2));
            slots.release(slot);
            assertArrayEquals(data, receive(LENGTH));
        }
    }

    /** AF_UNIX sockets do not support zero copy: the send is refused, and nothing is sent. */
    @Test
    void aSocketWithoutZeroCopyRefusesWithEopnotsupp() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (NativeMemory buffer = NativeMemory.allocate(16)) {
            ring.submissionQueue().addSendZc(pair[0], buffer.address(), 16, LinuxSocket.MSG_NOSIGNAL, 0, USER_DATA);
            Completions.Cqe result = Completions.awaitOne(ring);
            assertEquals(-Errno.EOPNOTSUPP, result.res(), result.toString());
            if (result.hasMore()) {
                Completions.Cqe notification = Completions.awaitOne(ring);
                assertEquals(USER_DATA, notification.userData());
                assertTrue((notification.flags() & IoUring.IORING_CQE_F_NOTIF) != 0, notification.toString());
            }
        } finally {
            Completions.closeAll(pair);
        }
    }

    private static void assertResultThenNotification(List<Completions.Cqe> cqes) {
        Completions.Cqe result = cqes.get(0);
        Completions.Cqe notification = cqes.get(1);
        assertEquals(USER_DATA, result.userData());
        assertEquals(LENGTH, result.res(), result.toString());
        assertTrue(result.hasMore(), "the result says a notification follows: " + result);
        assertEquals(0, result.flags() & IoUring.IORING_CQE_F_NOTIF, result.toString());
        assertEquals(USER_DATA, notification.userData());
        assertTrue((notification.flags() & IoUring.IORING_CQE_F_NOTIF) != 0, notification.toString());
        assertTrue(!notification.hasMore(), "the notification is the last CQE: " + notification);
        // Loopback hands the pages to a local receiver, which copies them: the usage report may say so.
        assertEquals(0, notification.res() & ~IoUring.IORING_NOTIF_USAGE_ZC_COPIED, notification.toString());
    }

    private byte[] receive(int length) throws NativeIoException {
        byte[] received = new byte[length];
        try (NativeMemory buffer = NativeMemory.allocate(length)) {
            int got = 0;
            while (got < length) {
                int n = FileDescriptors.read(server, buffer.address() + got, length - got);
                assertTrue(n > 0, "end of stream after " + got + " bytes");
                got += n;
            }
            buffer.get(0, received, 0, length);
        }
        return received;
    }
}
