package org.iouring4j.ring;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Encodes and decodes {@code struct sockaddr_in} / {@code sockaddr_in6} in native memory.
 *
 * <pre>
 * struct sockaddr_in  { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; char zero[8]; };  // 16
 * struct sockaddr_in6 { sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
 *                       struct in6_addr sin6_addr; uint32_t sin6_scope_id; };                                   // 28
 * </pre>
 * The family is in host order; port and flow info in network (big-endian) order.
 */
public final class SockAddr {
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    /** {@code sizeof(struct sockaddr_storage)}: room for any address. */
    public static final int STORAGE_SIZE = 128;
    public static final int IN_SIZE = 16;
    public static final int IN6_SIZE = 28;

    private static final int FAMILY = 0;
    private static final int PORT = 2;
    private static final int IN_ADDR = 4;
    private static final int IN6_ADDR = 8;
    private static final int IN6_SCOPE_ID = 24;

    private SockAddr() {
    }

    /**
     * Writes {@code address} at {@code offset}. With {@code ipv6} an IPv4 address is written in its
     * IPv4-mapped IPv6 form (for dual-stack sockets), except the wildcard 0.0.0.0, which becomes {@code ::}.
     *
     * @return the sockaddr's length, to pass as {@code addrlen}
     */
    public static int write(NativeMemory memory, int offset, InetSocketAddress address, boolean ipv6) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        InetAddress ip = address.getAddress();
        int port = address.getPort();
        memory.zero(offset, ipv6 ? IN6_SIZE : IN_SIZE);
        if (!ipv6) {
            if (!(ip instanceof Inet4Address)) {
                throw new IllegalArgumentException("IPv6 address on an IPv4 socket: " + address);
            }
            memory.putShort(offset + FAMILY, (short) AF_INET);
            putPort(memory, offset, port);
            memory.put(offset + IN_ADDR, ip.getAddress(), 0, 4);
            return IN_SIZE;
        }
        memory.putShort(offset + FAMILY, (short) AF_INET6);
        putPort(memory, offset, port);
        if (ip instanceof Inet6Address) {
            memory.put(offset + IN6_ADDR, ip.getAddress(), 0, 16);
            memory.putInt(offset + IN6_SCOPE_ID, ((Inet6Address) ip).getScopeId());
        } else if (ip.isAnyLocalAddress()) {
            // 0.0.0.0 on a dual-stack socket means "every address" (::, already zeroed), as in Java's NIO;
            // its mapped form ::ffff:0.0.0.0 would accept IPv4 connections only.
        } else {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(ip.getAddress(), 0, mapped, 12, 4);
            memory.put(offset + IN6_ADDR, mapped, 0, 16);
        }
        return IN6_SIZE;
    }

    private static void putPort(NativeMemory memory, int offset, int port) {
        memory.putByte(offset + PORT, (byte) (port >>> 8));
        memory.putByte(offset + PORT + 1, (byte) port);
    }

    /**
     * Reads the sockaddr at {@code offset}; an IPv4-mapped IPv6 address comes back as IPv4.
     *
     * @return the address, or {@code null} if the family is neither AF_INET nor AF_INET6
     */
    public static InetSocketAddress read(NativeMemory memory, int offset) {
        int family = memory.getShort(offset + FAMILY);
        int port = ((memory.getByte(offset + PORT) & 0xFF) << 8) | (memory.getByte(offset + PORT + 1) & 0xFF);
        try {
            if (family == AF_INET) {
                byte[] ip = new byte[4];
                memory.get(offset + IN_ADDR, ip, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == AF_INET6) {
                byte[] ip = new byte[16];
                memory.get(offset + IN6_ADDR, ip, 0, 16);
                int scopeId = memory.getInt(offset + IN6_SCOPE_ID);
                InetAddress address = scopeId == 0 ? InetAddress.getByAddress(ip)
                        : Inet6Address.getByAddress(null, ip, scopeId);
                return new InetSocketAddress(address, port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("impossible: fixed-length address rejected", e);
        }
        return null;
    }
}
