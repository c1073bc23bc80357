package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code struct tcp_info} read by name: every check below reads a field whose value the test knows exactly (bytes it
 * sent, the loopback MTU, the window scales the two ends announced to each other, the kernel's "no cap" marker), so
 * a field read at the wrong offset or with the wrong width fails.
 */
@Timeout(10)
class TcpInfoTest {
    private static final int PAYLOAD = 100_000;
    /** An IPv4 packet's length is 16 bits: IPv4 routes clamp a larger device MTU (loopback's 65536) to this. */
    private static final long IPV4_MAX_MTU = 65_535;

    @Test
    void layoutEndsWithTheLastFieldRead() {
        assertEquals(TcpInfo.SIZE, TcpInfo.SND_WND + Integer.BYTES, "tcpi_snd_wnd is the last field read");
        assertEquals(0, TcpInfo.PACING_RATE % Long.BYTES, "__u64 fields are 8-byte aligned");
        assertEquals(0, TcpInfo.BYTES_SENT % Long.BYTES, "__u64 fields are 8-byte aligned");
        assertEquals(0, new TcpInfo().state(), "an unfilled snapshot reads 0");
    }

    @Test
    void fieldsOfAConnectionMatchWhatWentOverIt() throws Exception {
        int listener = LinuxSocket.newStreamSocket(false);
        int client = -1;
        int server = -1;
        try (NativeMemory memory = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE);
             NativeMemory data = NativeMemory.allocate(PAYLOAD)) {
            LinuxSocket.bind(listener, new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), false);
            LinuxSocket.listen(listener, 4);
            assertEquals(TcpInfo.TCP_LISTEN, LinuxSocket.tcpInfo(listener).state());

            client = LinuxSocket.newStreamSocket(false);
            // A small receive buffer makes the client announce window scale 0, the server a larger one: the two
            // 4-bit fields of one byte then differ, and each end must see the other's.
            LinuxSocket.setIntOption(client, LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, 4096);
            LinuxSocket.connect(client, LinuxSocket.localAddress(listener), false);
            server = LinuxSocket.accept(listener);

            TcpInfo clientBefore = new TcpInfo();
            TcpInfo serverBefore = new TcpInfo();
            LinuxSocket.tcpInfo(client, clientBefore, memory);
            LinuxSocket.tcpInfo(server, serverBefore, memory);

            writeFully(client, data, PAYLOAD);
            readFully(server, data, PAYLOAD);
            // The reply carries the ACK of everything the server read; the client's kernel takes the ACK in before
            // it queues the reply's byte, so once that byte is read the client's counters include the ACK.
            writeFully(server, data, 1);
            readFully(client, data, 1);

            TcpInfo clientAfter = new TcpInfo();
            TcpInfo serverAfter = new TcpInfo();
            LinuxSocket.tcpInfo(client, clientAfter, memory);
            LinuxSocket.tcpInfo(server, serverAfter, memory);
            System.out.println("client " + clientAfter);
            System.out.println("server " + serverAfter);

            assertEquals(TcpInfo.SIZE, clientAfter.length());
            assertEquals(TcpInfo.TCP_ESTABLISHED, clientAfter.state());
            assertEquals(TcpInfo.TCP_ESTABLISHED, serverAfter.state());
            assertEquals(PAYLOAD, clientAfter.bytesAcked() - clientBefore.bytesAcked(), "tcpi_bytes_acked");
            assertEquals(PAYLOAD, clientAfter.bytesSent() - clientBefore.bytesSent(), "tcpi_bytes_sent");
            assertEquals(0, clientAfter.bytesRetrans(), "loopback loses nothing: tcpi_bytes_retrans");
            assertEquals(0, clientAfter.totalRetrans(), "tcpi_total_retrans");
            assertEquals(PAYLOAD, serverAfter.bytesReceived() - serverBefore.bytesReceived(), "tcpi_bytes_received");
            assertEquals(1, clientAfter.bytesReceived() - clientBefore.bytesReceived(), "tcpi_bytes_received");
            assertEquals(1, serverAfter.bytesAcked() - serverBefore.bytesAcked(), "tcpi_bytes_acked");
            assertTrue(clientAfter.segsOut() > clientBefore.segsOut(), "tcpi_segs_out");
            assertTrue(clientAfter.dataSegsOut() > clientBefore.dataSegsOut(), "tcpi_data_segs_out");
            assertTrue(serverAfter.dataSegsIn() > serverBefore.dataSegsIn(), "tcpi_data_segs_in");
            assertTrue(serverAfter.segsIn() > serverBefore.segsIn(), "tcpi_segs_in");
            assertEquals(0, clientAfter.unacked(), "everything was acknowledged: tcpi_unacked");
            assertEquals(0, clientAfter.notsentBytes(), "tcpi_notsent_bytes");

            long mtu = Long.parseLong(Files.readString(Path.of("/sys/class/net/lo/mtu")).trim());
            assertEquals(Math.min(mtu, IPV4_MAX_MTU), clientAfter.pmtu(), "tcpi_pmtu is the loopback MTU");
            assertTrue(clientAfter.advmss() > 0 && clientAfter.advmss() < mtu, "tcpi_advmss " + clientAfter.advmss());
            assertTrue(clientAfter.sndMss() > 0 && clientAfter.sndMss() <= clientAfter.advmss(),
                    "tcpi_snd_mss " + clientAfter.sndMss());
            assertTrue(clientAfter.rtt() > 0, "tcpi_rtt after traffic");
            assertTrue(clientAfter.minRtt() > 0, "tcpi_min_rtt after traffic");
            assertTrue(clientAfter.rto() >= 200_000, "tcpi_rto is at least TCP_RTO_MIN (200 ms): " + clientAfter.rto());
            assertTrue(clientAfter.sndCwnd() >= 10, "tcpi_snd_cwnd starts at 10 segments: " + clientAfter.sndCwnd());
            assertEquals(-1L, clientAfter.maxPacingRate(), "no SO_MAX_PACING_RATE: ~0, all 64 bits set");
            assertTrue(clientAfter.sndWnd() > 0, "tcpi_snd_wnd");

            assertEquals(clientAfter.sndWscale(), serverAfter.rcvWscale(), "the scale the server announced");
            assertEquals(clientAfter.rcvWscale(), serverAfter.sndWscale(), "the scale the client announced");
            assertNotEquals(clientAfter.sndWscale(), clientAfter.rcvWscale(),
                    "the two ends announced different scales, so the two bit fields are told apart");

            LinuxSocket.shutdown(client, LinuxSocket.SHUT_WR);
            assertEquals(0, FileDescriptors.read(server, data.address(), PAYLOAD), "end of stream");
            LinuxSocket.tcpInfo(server, serverAfter, memory);
            assertEquals(TcpInfo.TCP_CLOSE_WAIT, serverAfter.state(), "the peer's FIN came in");
        } finally {
            close(server);
            close(client);
            close(listener);
        }
    }

    /** A refused option names itself: the error says which getsockopt failed and why. */
    @Test
    void aSocketWithoutTcpInfoFailsNamingTheOption() throws Exception {
        try (NativeMemory memory = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE)) {
            int udp = LinuxSocket.newSocket(SockAddr.AF_INET, LinuxSocket.SOCK_DGRAM, memory);
            try {
                NativeIoException e = assertThrows(NativeIoException.class,
                        () -> LinuxSocket.tcpInfo(udp, new TcpInfo(), memory));
                assertEquals("getsockopt(TCP_INFO)", e.op());
                assertTrue(e.getMessage().startsWith("getsockopt(TCP_INFO) failed: " + e.errnoName()), e.getMessage());
                e = assertThrows(NativeIoException.class,
                        () -> LinuxSocket.setIntOption(udp, LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_NODELAY, 1));
                assertEquals("setsockopt(TCP_NODELAY)", e.op());
            } finally {
                FileDescriptors.close(udp);
            }
        }
    }

    private static void writeFully(int fd, NativeMemory data, int length) throws NativeIoException {
        for (int done = 0; done < length; ) {
            done += FileDescriptors.write(fd, data.address(done), length - done);
        }
    }

    private static void readFully(int fd, NativeMemory data, int length) throws NativeIoException {
        for (int done = 0; done < length; ) {
            int n = FileDescriptors.read(fd, data.address(done), length - done);
            assertTrue(n > 0, "unexpected end of stream");
            done += n;
        }
    }

    private static void close(int fd) throws NativeIoException {
        if (fd >= 0) {
            FileDescriptors.close(fd);
        }
    }
}
