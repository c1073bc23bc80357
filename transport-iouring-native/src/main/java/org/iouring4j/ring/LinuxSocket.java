package org.iouring4j.ring;

import org.iouring4j.ring.internal.Syscalls;

import java.net.InetSocketAddress;

/**
 * Synchronous socket syscalls for sockets driven by io_uring (TCP, UDP and Unix domain sockets): creation, bind,
 * listen, addresses, options, shutdown. Reads, writes, accepts and connects go through the ring instead. Every
 * address passes through {@link SockAddr}; a Unix address is the bytes of its path (see there).
 *
 * <p>Sockets are created <em>blocking</em>: io_uring makes every op asynchronous by itself (arming an
 * internal poll when a socket is not ready), whereas on an {@code O_NONBLOCK} socket it would hand
 * {@code -EAGAIN} back to us.
 *
 * <p>The calls that pass arguments through memory (an option value, a sockaddr and its length) come in two forms:
 * one that allocates that memory per call, and one that takes {@link #ARGUMENT_MEMORY_SIZE} bytes from the caller,
 * so that code making such calls per connection (an event loop) allocates nothing.
 *
 * <p>Option constants are the asm-generic values used by x86_64 and aarch64.
 */
public final class LinuxSocket {
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOL_SOCKET = 1;
    public static final int IPPROTO_IP = 0;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_IPV6 = 41;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_BROADCAST = 6;
    public static final int SO_KEEPALIVE = 9;
    public static final int SO_LINGER = 13;
    public static final int SO_REUSEPORT = 15;
    public static final int SO_PEERCRED = 17;
    public static final int IPPROTO_UDP = 17;
    public static final int IP_TOS = 1;
    public static final int IP_FREEBIND = 15;
    public static final int IP_TRANSPARENT = 19;
    /** Also the type of the control message it turns on: the datagram's original destination (sockaddr_in). */
    public static final int IP_RECVORIGDSTADDR = 20;
    public static final int IP_MULTICAST_IF = 32;
    public static final int IP_MULTICAST_TTL = 33;
    public static final int IP_MULTICAST_LOOP = 34;
    public static final int IPV6_MULTICAST_IF = 17;
    public static final int IPV6_MULTICAST_HOPS = 18;
    public static final int IPV6_MULTICAST_LOOP = 19;
    /** Also the type of the control message it turns on: the datagram's original destination (sockaddr_in6). */
    public static final int IPV6_RECVORIGDSTADDR = 74;
    public static final int IPV6_TRANSPARENT = 75;
    public static final int IPV6_FREEBIND = 78;
    /** {@code SOL_UDP} option and control message: the segment size of a UDP GSO send (a u16). */
    public static final int UDP_SEGMENT = 103;
    public static final int IPV6_V6ONLY = 26;
    public static final int IPV6_TCLASS = 67;
    public static final int TCP_NODELAY = 1;
    public static final int TCP_CORK = 3;
    public static final int TCP_KEEPIDLE = 4;
    public static final int TCP_KEEPINTVL = 5;
    public static final int TCP_KEEPCNT = 6;
    /**
     * {@code TCP_DEFER_ACCEPT}: seconds a listener waits for data before it accepts a connection. The kernel keeps
     * it as a count of SYN-ACK retransmissions (timeouts of 1, 2, 4, ... s), so it reads back as the end of the
     * period the seconds fall in: 5 s reads back as 7 (1 + 2 + 4).
     */
    public static final int TCP_DEFER_ACCEPT = 9;
    /** {@code TCP_INFO}: the connection's {@code struct tcp_info} ({@link TcpInfo}). */
    public static final int TCP_INFO = 11;
    public static final int TCP_QUICKACK = 12;
    public static final int TCP_USER_TIMEOUT = 18;
    public static final int TCP_FASTOPEN = 23;
    public static final int TCP_NOTSENT_LOWAT = 25;
    public static final int TCP_FASTOPEN_CONNECT = 30;
    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;
    /** {@code send}/{@code recv} flag: fail with EAGAIN instead of waiting (io_uring: instead of arming a poll). */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code send} flag: a write to a connection the peer closed fails with EPIPE and raises no SIGPIPE. */
    public static final int MSG_NOSIGNAL = 0x4000;

    /** Bytes of caller memory the argument-taking forms need: a sockaddr_storage and its length, or an option. */
    public static final int ARGUMENT_MEMORY_SIZE = Multicast.REQUEST_SIZE + 2 * Integer.BYTES;

    private static final int SOCK_CLOEXEC = 0x80000;
    /** {@code struct ucred { pid_t pid; uid_t uid; gid_t gid; }}. */
    private static final int UCRED_SIZE = 3 * Integer.BYTES;

    private LinuxSocket() {
    }

    /** A blocking, close-on-exec TCP socket; with {@code ipv6}, dual-stack (IPv4-mapped addresses work). */
    public static int newStreamSocket(boolean ipv6) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            return newStreamSocket(ipv6, memory);
        }
    }

    /** {@link #newStreamSocket(boolean)} with the IPV6_V6ONLY option passed through {@code memory}. */
    public static int newStreamSocket(boolean ipv6, NativeMemory memory) throws NativeIoException {
        return newSocket(ipv6 ? SockAddr.AF_INET6 : SockAddr.AF_INET, SOCK_STREAM, memory);
    }

    /**
     * A blocking, close-on-exec socket of {@code family} ({@link SockAddr#AF_INET}, {@link SockAddr#AF_INET6},
     * {@link SockAddr#AF_UNIX}) and {@code type} ({@link #SOCK_STREAM}, {@link #SOCK_DGRAM}); an AF_INET6 socket
     * is dual-stack (IPV6_V6ONLY off, set through {@code memory}), so IPv4-mapped addresses work too.
     */
    public static int newSocket(int family, int type, NativeMemory memory) throws NativeIoException {
        boolean ipv6 = family == SockAddr.AF_INET6;
        int fd = Syscalls.socket(family, type | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeIoException("socket", fd);
        }
        if (ipv6) {
            int ret = setIntOption0(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, memory);
            if (ret < 0) {
                Syscalls.close(fd);
                throw new NativeIoException("setsockopt(IPV6_V6ONLY)", ret);
            }
        }
        return fd;
    }

    /** Whether this machine can create IPv6 sockets. */
    public static boolean isIpv6Supported() {
        int fd = Syscalls.socket(SockAddr.AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return false;
        }
        Syscalls.close(fd);
        return true;
    }

    public static void bind(int fd, InetSocketAddress address, boolean ipv6) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            bind(fd, address, ipv6, memory);
        }
    }

    /** {@link #bind(int, InetSocketAddress, boolean)} with the sockaddr written to {@code memory}. */
    public static void bind(int fd, InetSocketAddress address, boolean ipv6, NativeMemory memory)
            throws NativeIoException {
        int len = SockAddr.write(memory, 0, address, ipv6);
        int ret = Syscalls.bind(fd, memory.address(), len);
        if (ret < 0) {
            throw new NativeIoException("bind(" + address + ")", ret);
        }
    }

    /**
     * Binds to the Unix address {@code path} (its bytes; see {@link SockAddr#writeUnix}). An existing file at the
     * path is left alone: the bind then fails with EADDRINUSE, naming the path.
     */
    public static void bindUnix(int fd, byte[] path, NativeMemory memory) throws NativeIoException {
        int len = SockAddr.writeUnix(memory, 0, path);
        int ret = Syscalls.bind(fd, memory.address(), len);
        if (ret < 0) {
            throw new NativeIoException("bind(" + unixPathToString(path) + ")", ret);
        }
    }

    /**
     * {@code connect(2)} to a Unix address: a datagram socket's completes at once (it only sets the peer); a
     * blocking stream socket's waits (tests and tools: stream channels connect through the ring).
     */
    public static void connectUnix(int fd, byte[] path) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            int len = SockAddr.writeUnix(memory, 0, path);
            int ret;
            do {
                ret = Syscalls.connect(fd, memory.address(), len);
            } while (ret == -Errno.EINTR);
            if (ret < 0) {
                throw new NativeIoException("connect(" + unixPathToString(path) + ")", ret);
            }
        }
    }

    /** {@code connect(2)} of a datagram socket: sets its peer (and binds it if unbound); waits for nothing. */
    public static void connectDatagram(int fd, InetSocketAddress address, boolean ipv6, NativeMemory memory)
            throws NativeIoException {
        int len = SockAddr.write(memory, 0, address, ipv6);
        int ret;
        do {
            ret = Syscalls.connect(fd, memory.address(), len);
        } while (ret == -Errno.EINTR);
        if (ret < 0) {
            throw new NativeIoException("connect(" + address + ")", ret);
        }
    }

    /**
     * Dissolves a datagram socket's association with its peer: {@code connect(2)} to an {@code AF_UNSPEC} address.
     * The socket stays bound.
     */
    public static void disconnect(int fd, NativeMemory memory) throws NativeIoException {
        memory.zero(0, SockAddr.IN6_SIZE);
        int ret;
        do {
            ret = Syscalls.connect(fd, memory.address(), SockAddr.IN6_SIZE);
        } while (ret == -Errno.EINTR);
        if (ret < 0) {
            throw new NativeIoException("connect(AF_UNSPEC)", ret);
        }
    }

    /** A Unix path as people write it: an abstract name's leading NUL shown as {@code @}, as ss(8) does. */
    public static String unixPathToString(byte[] path) {
        String text = new String(path, java.nio.charset.StandardCharsets.UTF_8);
        return text.startsWith("\0") ? "@" + text.substring(1) : text;
    }

    public static void listen(int fd, int backlog) throws NativeIoException {
        FileDescriptors.check("listen", Syscalls.listen(fd, backlog));
    }

    /** Blocking {@code connect(2)} (tests and tools; channels connect through the ring). */
    public static void connect(int fd, InetSocketAddress address, boolean ipv6) throws NativeIoException {
        try (NativeMemory sa = NativeMemory.allocate(SockAddr.STORAGE_SIZE)) {
            int len = SockAddr.write(sa, 0, address, ipv6);
            int ret;
            do {
                ret = Syscalls.connect(fd, sa.address(), len);
            } while (ret == -Errno.EINTR);
            if (ret < 0) {
                throw new NativeIoException("connect(" + address + ")", ret);
            }
        }
    }

    /** Blocking {@code accept4(2)} with close-on-exec (tests and tools; servers accept through the ring). */
    public static int accept(int fd) throws NativeIoException {
        int ret;
        do {
            ret = Syscalls.accept4(fd, 0, 0, SOCK_CLOEXEC);
        } while (ret == -Errno.EINTR);
        return (int) FileDescriptors.check("accept4", ret);
    }

    /** The socket's local address ({@code getsockname}). */
    public static InetSocketAddress localAddress(int fd) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            return localAddress(fd, memory);
        }
    }

    /** {@link #localAddress(int)} with the sockaddr read into {@code memory}. */
    public static InetSocketAddress localAddress(int fd, NativeMemory memory) throws NativeIoException {
        return address(fd, true, memory);
    }

    /** The connected peer's address ({@code getpeername}). */
    public static InetSocketAddress remoteAddress(int fd) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            return remoteAddress(fd, memory);
        }
    }

    /** {@link #remoteAddress(int)} with the sockaddr read into {@code memory}. */
    public static InetSocketAddress remoteAddress(int fd, NativeMemory memory) throws NativeIoException {
        return address(fd, false, memory);
    }

    private static InetSocketAddress address(int fd, boolean local, NativeMemory memory) throws NativeIoException {
        readAddress(fd, local, memory);
        return SockAddr.read(memory, 0);
    }

    /** The Unix address the socket is bound to ({@code getsockname}), as path bytes (see {@link SockAddr#readUnix}). */
    public static byte[] localUnixAddress(int fd, NativeMemory memory) throws NativeIoException {
        return SockAddr.readUnix(memory, 0, readAddress(fd, true, memory));
    }

    /** The connected peer's Unix address ({@code getpeername}), as path bytes. */
    public static byte[] remoteUnixAddress(int fd, NativeMemory memory) throws NativeIoException {
        return SockAddr.readUnix(memory, 0, readAddress(fd, false, memory));
    }

    /** Puts the socket's local or peer sockaddr at offset 0 of {@code memory}; returns its length. */
    private static int readAddress(int fd, boolean local, NativeMemory memory) throws NativeIoException {
        memory.putInt(SockAddr.STORAGE_SIZE, SockAddr.STORAGE_SIZE);
        long lenAddr = memory.address(SockAddr.STORAGE_SIZE);
        int ret = local ? Syscalls.getsockname(fd, memory.address(), lenAddr)
                : Syscalls.getpeername(fd, memory.address(), lenAddr);
        if (ret < 0) {
            throw new NativeIoException(local ? "getsockname" : "getpeername", ret);
        }
        return memory.getInt(SockAddr.STORAGE_SIZE);
    }

    /**
     * The credentials of the process at the other end of a Unix socket when it connected ({@code SO_PEERCRED}):
     * {@code {pid, uid, gid}}.
     */
    public static int[] peerCredentials(int fd, NativeMemory memory) throws NativeIoException {
        memory.putInt(UCRED_SIZE, UCRED_SIZE);
        int ret = Syscalls.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, memory.address(), memory.address(UCRED_SIZE));
        if (ret < 0) {
            throw new NativeIoException("getsockopt(SO_PEERCRED)", ret);
        }
        return new int[] {memory.getInt(0), memory.getInt(Integer.BYTES), memory.getInt(2 * Integer.BYTES)};
    }

    public static void setIntOption(int fd, int level, int option, int value) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            setIntOption(fd, level, option, value, memory);
        }
    }

    /** {@link #setIntOption(int, int, int, int)} with the value passed through {@code memory}. */
    public static void setIntOption(int fd, int level, int option, int value, NativeMemory memory)
            throws NativeIoException {
        int ret = setIntOption0(fd, level, option, value, memory);
        if (ret < 0) {
            throw new NativeIoException("setsockopt(" + SocketOptionNames.of(level, option) + ")", ret);
        }
    }

    private static int setIntOption0(int fd, int level, int option, int value, NativeMemory memory) {
        memory.putInt(0, value);
        return Syscalls.setsockopt(fd, level, option, memory.address(), Integer.BYTES);
    }

    public static int getIntOption(int fd, int level, int option) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            return getIntOption(fd, level, option, memory);
        }
    }

    /** {@link #getIntOption(int, int, int)} with the value read through {@code memory}. */
    public static int getIntOption(int fd, int level, int option, NativeMemory memory) throws NativeIoException {
        memory.putInt(Integer.BYTES, Integer.BYTES);
        int ret = Syscalls.getsockopt(fd, level, option, memory.address(), memory.address(Integer.BYTES));
        if (ret < 0) {
            throw new NativeIoException("getsockopt(" + SocketOptionNames.of(level, option) + ")", ret);
        }
        return memory.getInt(0);
    }

    /**
     * The connection's {@code struct tcp_info} ({@code getsockopt(TCP_INFO)}) into {@code into}, read through
     * {@code memory} ({@link #ARGUMENT_MEMORY_SIZE} bytes).
     */
    public static void tcpInfo(int fd, TcpInfo into, NativeMemory memory) throws NativeIoException {
        into.fill(memory, getOption(fd, IPPROTO_TCP, TCP_INFO, TcpInfo.SIZE, memory));
    }

    /** {@link #tcpInfo(int, TcpInfo, NativeMemory)} into a new snapshot, through memory of its own. */
    public static TcpInfo tcpInfo(int fd) throws NativeIoException {
        TcpInfo info = new TcpInfo();
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            tcpInfo(fd, info, memory);
        }
        return info;
    }

    /**
     * {@code getsockopt} of an option whose value is a struct of at most {@code size} bytes: the value lands at
     * offset 0 of {@code memory}, zeroed first so that what a kernel with a shorter struct leaves out reads 0.
     *
     * @return the bytes the kernel wrote
     */
    private static int getOption(int fd, int level, int option, int size, NativeMemory memory)
            throws NativeIoException {
        int lengthOffset = (size + Integer.BYTES - 1) & -Integer.BYTES;
        memory.zero(0, size);
        memory.putInt(lengthOffset, size);
        int ret = Syscalls.getsockopt(fd, level, option, memory.address(), memory.address(lengthOffset));
        if (ret < 0) {
            throw new NativeIoException("getsockopt(" + SocketOptionNames.of(level, option) + ")", ret);
        }
        return memory.getInt(lengthOffset);
    }

    /** {@code SO_LINGER}: {@code seconds < 0} turns lingering off; 0 makes close send RST. */
    public static void setLinger(int fd, int seconds) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            setLinger(fd, seconds, memory);
        }
    }

    /** {@link #setLinger(int, int)} with the {@code struct linger} passed through {@code memory}. */
    public static void setLinger(int fd, int seconds, NativeMemory memory) throws NativeIoException {
        memory.putInt(0, seconds < 0 ? 0 : 1);
        memory.putInt(Integer.BYTES, Math.max(seconds, 0));
        int ret = Syscalls.setsockopt(fd, SOL_SOCKET, SO_LINGER, memory.address(), 2 * Integer.BYTES);
        if (ret < 0) {
            throw new NativeIoException("setsockopt(SO_LINGER)", ret);
        }
    }

    /** {@code SO_LINGER} seconds, or -1 when off. */
    public static int getLinger(int fd) throws NativeIoException {
        try (NativeMemory memory = NativeMemory.allocate(ARGUMENT_MEMORY_SIZE)) {
            return getLinger(fd, memory);
        }
    }

    /** {@link #getLinger(int)} with the {@code struct linger} read through {@code memory}. */
    public static int getLinger(int fd, NativeMemory memory) throws NativeIoException {
        memory.putInt(2 * Integer.BYTES, 2 * Integer.BYTES);
        int ret = Syscalls.getsockopt(fd, SOL_SOCKET, SO_LINGER, memory.address(), memory.address(2 * Integer.BYTES));
        if (ret < 0) {
            throw new NativeIoException("getsockopt(SO_LINGER)", ret);
        }
        return memory.getInt(0) == 0 ? -1 : memory.getInt(Integer.BYTES);
    }

    /** {@code shutdown(2)} with {@link #SHUT_RD}, {@link #SHUT_WR} or {@link #SHUT_RDWR}. */
    public static void shutdown(int fd, int how) throws NativeIoException {
        FileDescriptors.check("shutdown", Syscalls.shutdown(fd, how));
    }
}
