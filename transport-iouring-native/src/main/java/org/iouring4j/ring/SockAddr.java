package org.iouring4j.ring;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Encodes and decodes socket addresses in native memory: {@code struct sockaddr_in}, {@code sockaddr_in6} and
 * {@code sockaddr_un}, the one codec every socket call and op of the library uses.
 *
 * <pre>
 * struct sockaddr_in  { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; char zero[8]; };  // 16
 * struct sockaddr_in6 { sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo;
 *                       struct in6_addr sin6_addr; uint32_t sin6_scope_id; };                                   // 28
 * struct sockaddr_un  { sa_family_t sun_family; char sun_path[108]; };                                        // 110
 * </pre>
 * The family is in host order; port and flow info in network (big-endian) order. A Unix address is given as the
 * bytes of its path: a file system path, or an abstract name, which starts with a NUL byte (Linux's abstract
 * namespace: no file, gone with the last socket bound to it).
 */
public final class SockAddr {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    /** {@code sizeof(struct sockaddr_storage)}: room for any address. */
    public static final int STORAGE_SIZE = 128;
    public static final int IN_SIZE = 16;
    public static final int IN6_SIZE = 28;
    /** {@code sizeof(struct sockaddr_un)}. */
    public static final int UN_SIZE = 110;
    /** {@code sizeof(sun_path)}: the longest Unix address path (a file path needs no terminating NUL here). */
    public static final int UN_PATH_MAX = 108;

    private static final int FAMILY = 0;
    private static final int PORT = 2;
    private static final int IN_ADDR = 4;
    private static final int IN6_ADDR = 8;
    private static final int IN6_SCOPE_ID = 24;
    private static final int UN_PATH = 2;

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

    /**
     * Writes a {@code sockaddr_un} for {@code path} at {@code offset}: a file path's bytes, or an abstract name
     * (first byte 0). An empty path asks the kernel to pick an abstract name (autobind, on bind).
     *
     * @return the address length to pass as {@code addrlen}: the family and exactly the path's bytes, so that an
     *         abstract name does not get trailing NULs as part of it
     * @throws IllegalArgumentException if the path is longer than {@link #UN_PATH_MAX} bytes
     */
    public static int writeUnix(NativeMemory memory, int offset, byte[] path) {
        if (path.length > UN_PATH_MAX) {
            throw new IllegalArgumentException("Unix socket path longer than " + UN_PATH_MAX + " bytes: "
                    + path.length);
        }
        memory.zero(offset, UN_SIZE);
        memory.putShort(offset + FAMILY, (short) AF_UNIX);
        memory.put(offset + UN_PATH, path, 0, path.length);
        return UN_PATH + path.length;
    }

    /**
     * Reads a {@code sockaddr_un} of {@code length} bytes (as the kernel reported it) at {@code offset}.
     *
     * @return the path's bytes: a file path without its terminating NUL, an abstract name with its leading 0, or
     *         an empty array for an unnamed socket (a connected pair's, or a client that did not bind)
     */
    public static byte[] readUnix(NativeMemory memory, int offset, int length) {
        int pathBytes = Math.min(Math.max(length - UN_PATH, 0), UN_PATH_MAX);
        if (pathBytes > 0 && memory.getByte(offset + UN_PATH) != 0) {
            for (int i = 0; i < pathBytes; i++) {
                if (memory.getByte(offset + UN_PATH + i) == 0) {
                    pathBytes = i; // a file path ends at its NUL
                    break;
                }
            }
        }
        byte[] path = new byte[pathBytes];
        memory.get(offset + UN_PATH, path, 0, pathBytes);
        return path;
    }

    /** The address family ({@link #AF_INET}, {@link #AF_INET6}, {@link #AF_UNIX}) of the sockaddr at {@code offset}. */
    public static int family(NativeMemory memory, int offset) {
        return memory.getShort(offset + FAMILY);
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
