package org.iouring4j.transport;

import io.netty.channel.ChannelException;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.NetUtil;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.SockAddr;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;

/**
 * A channel's address family: how its socket is created, and how Netty's address types ({@link InetSocketAddress},
 * {@link DomainSocketAddress}) become sockaddrs and back, through the ring library's one codec ({@link SockAddr}).
 * The channels never encode an address themselves.
 */
enum SocketFamily {
    /** IPv4 only: when the JVM prefers IPv4 or the machine has no IPv6. */
    IPV4(SockAddr.AF_INET),
    /** IPv6, dual-stack: IPv4 peers appear as IPv4-mapped addresses, and come back as plain IPv4. */
    IPV6(SockAddr.AF_INET6),
    /** Unix domain sockets: {@link DomainSocketAddress}, a file path or an abstract name (leading NUL). */
    UNIX(SockAddr.AF_UNIX);

    private final int af;

    SocketFamily(int af) {
        this.af = af;
    }

    /** The family of new IP sockets: IPv6 dual-stack where available, as Netty's native transports choose. */
    static SocketFamily ip() {
        return Preferred.IP;
    }

    private static final class Preferred {
        static final SocketFamily IP = !NetUtil.isIpV4StackPreferred() && LinuxSocket.isIpv6Supported() ? IPV6 : IPV4;
    }

    boolean isIpv6() {
        return this == IPV6;
    }

    /** A new socket of this family and {@code type} ({@link LinuxSocket#SOCK_STREAM}, {@code SOCK_DGRAM}). */
    int newSocket(int type) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            return LinuxSocket.newSocket(af, type, memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException("failed to create a socket", e);
        }
    }

    void bind(int fd, SocketAddress address) throws NativeIoException {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            if (this == UNIX) {
                LinuxSocket.bindUnix(fd, path(address), memory.get());
            } else {
                LinuxSocket.bind(fd, inet(address), isIpv6(), memory.get());
            }
        }
    }

    /** {@code connect(2)} where it completes at once: a datagram socket's (which only sets its peer). */
    void connect(int fd, SocketAddress address) throws NativeIoException {
        if (this == UNIX) {
            LinuxSocket.connectUnix(fd, path(address));
        } else {
            try (SyscallMemory memory = SyscallMemory.acquire()) {
                LinuxSocket.connectDatagram(fd, inet(address), isIpv6(), memory.get());
            }
        }
    }

    /** Whether {@code address} is of the type this family takes (resolved or not). */
    boolean isAddress(SocketAddress address) {
        return this == UNIX ? address instanceof DomainSocketAddress : address instanceof InetSocketAddress;
    }

    /**
     * Writes {@code address} as a sockaddr at {@code offset} (for a CONNECT or SENDMSG).
     *
     * @return its length
     */
    int write(NativeMemory memory, int offset, SocketAddress address) {
        return this == UNIX ? SockAddr.writeUnix(memory, offset, path(address))
                : SockAddr.write(memory, offset, inet(address), isIpv6());
    }

    /** The sockaddr of {@code length} bytes at {@code offset} (from RECVMSG), as Netty's address type. */
    SocketAddress read(NativeMemory memory, int offset, int length) {
        return this == UNIX ? domainAddress(SockAddr.readUnix(memory, offset, length)) : SockAddr.read(memory, offset);
    }

    /** The socket's bound address, or its peer's ({@code getsockname}/{@code getpeername}). */
    SocketAddress address(int fd, boolean local) throws NativeIoException {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            if (this == UNIX) {
                return domainAddress(local ? LinuxSocket.localUnixAddress(fd, memory.get())
                        : LinuxSocket.remoteUnixAddress(fd, memory.get()));
            }
            return local ? LinuxSocket.localAddress(fd, memory.get()) : LinuxSocket.remoteAddress(fd, memory.get());
        }
    }

    /** The address Netty requires of this family, resolved: the errors Java's own sockets give otherwise. */
    SocketAddress check(SocketAddress address) {
        if (this == UNIX) {
            path(address);
        } else {
            inet(address);
        }
        return address;
    }

    private static InetSocketAddress inet(SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("not an InetSocketAddress: " + address);
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        if (inet.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return inet;
    }

    /** A domain address's path bytes; an abstract name keeps its leading NUL. */
    static byte[] path(SocketAddress address) {
        if (!(address instanceof DomainSocketAddress)) {
            throw new IllegalArgumentException("not a DomainSocketAddress: " + address);
        }
        return ((DomainSocketAddress) address).path().getBytes(StandardCharsets.UTF_8);
    }

    /** Null for an unnamed socket (a client that did not bind), as Netty's epoll transport answers. */
    private static DomainSocketAddress domainAddress(byte[] path) {
        return path.length == 0 ? null : new DomainSocketAddress(new String(path, StandardCharsets.UTF_8));
    }
}
