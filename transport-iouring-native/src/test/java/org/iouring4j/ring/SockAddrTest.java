package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(10)
class SockAddrTest {
    @Test
    void ipv4AndIpv6AddressesRoundTrip() throws Exception {
        try (NativeMemory memory = NativeMemory.allocate(SockAddr.STORAGE_SIZE)) {
            InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 54321);
            assertEquals(SockAddr.IN_SIZE, SockAddr.write(memory, 0, v4, false));
            assertEquals(v4, SockAddr.read(memory, 0));

            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 80);
            assertEquals(SockAddr.IN6_SIZE, SockAddr.write(memory, 0, v6, true));
            assertEquals(v6, SockAddr.read(memory, 0));

            // IPv4 on a dual-stack socket travels IPv4-mapped and comes back as plain IPv4.
            SockAddr.write(memory, 0, v4, true);
            assertEquals(SockAddr.AF_INET6, memory.getShort(0));
            InetSocketAddress back = SockAddr.read(memory, 0);
            assertInstanceOf(Inet4Address.class, back.getAddress());
            assertEquals(v4, back);
        }
    }

    @Test
    void wildcardOnADualStackSocketMeansEveryAddress() throws Exception {
        try (NativeMemory memory = NativeMemory.allocate(SockAddr.STORAGE_SIZE)) {
            SockAddr.write(memory, 0, new InetSocketAddress(7), true);
            assertTrue(SockAddr.read(memory, 0).getAddress().isAnyLocalAddress());
            for (int i = 8; i < 24; i++) {
                assertEquals(0, memory.getByte(i), "sin6_addr byte " + (i - 8) + " of :: must be 0");
            }
        }
    }

    /** A dual-stack listener bound to 0.0.0.0 takes connections over both IPv4 and IPv6 loopback. */
    @Test
    void dualStackWildcardListenerAcceptsBothFamilies() throws Exception {
        assumeTrue(LinuxSocket.isIpv6Supported(), "this machine has no IPv6");
        int listener = LinuxSocket.newStreamSocket(true);
        try {
            LinuxSocket.bind(listener, new InetSocketAddress(0), true);
            LinuxSocket.listen(listener, 4);
            int port = LinuxSocket.localAddress(listener).getPort();
            for (String host : new String[] {"127.0.0.1", "::1"}) {
                int client = LinuxSocket.newStreamSocket(true);
                try {
                    LinuxSocket.connect(client, new InetSocketAddress(InetAddress.getByName(host), port), true);
                    FileDescriptors.close(LinuxSocket.accept(listener));
                } finally {
                    FileDescriptors.close(client);
                }
            }
        } finally {
            FileDescriptors.close(listener);
        }
    }
}
