package org.iouring4j.ring;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** ACCEPT (single and multishot) and CONNECT on loopback TCP. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class AcceptConnectTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int SOCK_CLOEXEC = 0x80000;

    private int listener = -1;
    private InetSocketAddress listenAddress;
    private final List<Integer> fds = new ArrayList<>();

    @BeforeEach
    void listen() throws NativeIoException {
        listener = LinuxSocket.newStreamSocket(false);
        LinuxSocket.bind(listener, new InetSocketAddress(LOOPBACK, 0), false);
        LinuxSocket.listen(listener, 16);
        listenAddress = LinuxSocket.localAddress(listener);
    }

    @AfterEach
    void closeSockets() {
        for (int fd : fds) {
            Completions.closeAll(fd);
        }
        if (listener >= 0) {
            Completions.closeAll(listener);
        }
    }

    private int track(int fd) {
        fds.add(fd);
        return fd;
    }

    @Test
    void ringConnectAndRingAcceptReportThePeer() throws Exception {
        int client = track(LinuxSocket.newStreamSocket(false));
        // One region: the connect target, then the accept's address buffer and its socklen_t.
        int peerAt = SockAddr.STORAGE_SIZE;
        int peerLenAt = 2 * SockAddr.STORAGE_SIZE;
        try (NativeMemory addrs = NativeMemory.allocate(2 * SockAddr.STORAGE_SIZE + Integer.BYTES);
             Ring ring = Ring.open(RingConfig.defaults())) {
            int targetLen = SockAddr.write(addrs, 0, new InetSocketAddress(LOOPBACK, listenAddress.getPort()), false);
            addrs.putInt(peerLenAt, SockAddr.STORAGE_SIZE);
            SubmissionQueue sq = ring.submissionQueue();
            sq.addAccept(listener, addrs.address(peerAt), addrs.address(peerLenAt), SOCK_CLOEXEC, 1);
            sq.addConnect(client, addrs.address(), targetLen, 2);

            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(0, done.get(2L).res(), "connect");
            int accepted = done.get(1L).res();
            assertTrue(accepted >= 0, "accept failed: " + accepted);
            track(accepted);

            assertEquals(SockAddr.IN_SIZE, addrs.getInt(peerLenAt));
            InetSocketAddress peer = SockAddr.read(addrs, peerAt);
            assertEquals(LOOPBACK, peer.getAddress());
            assertEquals(LinuxSocket.localAddress(client).getPort(), peer.getPort());
            assertEquals(LinuxSocket.localAddress(client), LinuxSocket.remoteAddress(accepted));
        }
    }

    @Test
    void multishotAcceptPostsOneCqeWithMorePerConnectionUntilCancelled() throws Exception {
        assumeTrue(KernelFeatures.system().multishotAccept(), "multishot ACCEPT needs Linux 5.19");
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            SubmissionQueue sq = ring.submissionQueue();
            sq.addMultishotAccept(listener, 0, 0, SOCK_CLOEXEC, 1);
            ring.submit();

            Set<Integer> accepted = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                LinuxSocket.connect(track(LinuxSocket.newStreamSocket(false)), listenAddress, false);
                Completions.Cqe cqe = Completions.awaitOne(ring);
                assertEquals(1, cqe.userData());
                assertTrue(cqe.res() >= 0, "accept failed: " + cqe.res());
                track(cqe.res());
                assertTrue(cqe.hasMore(), "multishot accept must stay armed: " + cqe);
                assertTrue(accepted.add(cqe.res()), "fd accepted twice: " + cqe.res());
            }

            sq.addCancel(1, 0, 2);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(0, done.get(2L).res(), "cancel");
            assertEquals(-Errno.ECANCELED, done.get(1L).res(), "accept after cancel");
            assertFalse(done.get(1L).hasMore(), "the final accept CQE must not carry F_MORE");
            assertEquals(0, ring.completionQueue().ready());
        }
    }
}
