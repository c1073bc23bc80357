package org.iouring4j.ring;

import org.iouring4j.ring.internal.Syscalls;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Multicast group membership of a datagram socket, through the protocol-independent API of RFC 3678, which serves
 * IPv4 and IPv6 groups alike, source-specific memberships included:
 * <pre>
 * struct group_req        { uint32_t gr_interface;  struct sockaddr_storage gr_group; };                 // 136
 * struct group_source_req { uint32_t gsr_interface; struct sockaddr_storage gsr_group;
 *                                                   struct sockaddr_storage gsr_source; };               // 264
 * </pre>
 * ({@code sockaddr_storage} is 8-byte aligned, so the group starts at byte 8). The option's level follows the
 * group's family: {@code IPPROTO_IP} for an IPv4 group (which Linux also takes on a dual-stack IPv6 socket) and
 * {@code IPPROTO_IPV6} for an IPv6 one. An interface is given by its index; 0 lets the kernel choose by route.
 */
public final class Multicast {
    public static final int MCAST_JOIN_GROUP = 42;
    public static final int MCAST_BLOCK_SOURCE = 43;
    public static final int MCAST_UNBLOCK_SOURCE = 44;
    public static final int MCAST_LEAVE_GROUP = 45;
    public static final int MCAST_JOIN_SOURCE_GROUP = 46;
    public static final int MCAST_LEAVE_SOURCE_GROUP = 47;
    /** {@code sizeof(struct group_source_req)}: the largest request, so the memory callers pass must hold it. */
    public static final int REQUEST_SIZE = 8 + 2 * SockAddr.STORAGE_SIZE;

    private static final int GROUP = 8;
    private static final int SOURCE = GROUP + SockAddr.STORAGE_SIZE;
    private static final int GROUP_REQ_SIZE = GROUP + SockAddr.STORAGE_SIZE;

    private Multicast() {
    }

    /** Joins {@code group} on interface {@code interfaceIndex} (0: by route), for datagrams from any source. */
    public static void join(int fd, InetAddress group, int interfaceIndex, NativeMemory memory)
            throws NativeIoException {
        request(fd, MCAST_JOIN_GROUP, group, interfaceIndex, null, memory);
    }

    /** Leaves a group joined by {@link #join}. */
    public static void leave(int fd, InetAddress group, int interfaceIndex, NativeMemory memory)
            throws NativeIoException {
        request(fd, MCAST_LEAVE_GROUP, group, interfaceIndex, null, memory);
    }

    /** Joins {@code group} for datagrams from {@code source} only (source-specific multicast). */
    public static void joinSource(int fd, InetAddress group, int interfaceIndex, InetAddress source,
                                  NativeMemory memory) throws NativeIoException {
        request(fd, MCAST_JOIN_SOURCE_GROUP, group, interfaceIndex, source, memory);
    }

    /** Leaves a source-specific membership. */
    public static void leaveSource(int fd, InetAddress group, int interfaceIndex, InetAddress source,
                                   NativeMemory memory) throws NativeIoException {
        request(fd, MCAST_LEAVE_SOURCE_GROUP, group, interfaceIndex, source, memory);
    }

    /** Stops datagrams from {@code source} to a group joined for any source. */
    public static void block(int fd, InetAddress group, int interfaceIndex, InetAddress source, NativeMemory memory)
            throws NativeIoException {
        request(fd, MCAST_BLOCK_SOURCE, group, interfaceIndex, source, memory);
    }

    /** Lets datagrams from a {@link #block blocked} source through again. */
    public static void unblock(int fd, InetAddress group, int interfaceIndex, InetAddress source,
                               NativeMemory memory) throws NativeIoException {
        request(fd, MCAST_UNBLOCK_SOURCE, group, interfaceIndex, source, memory);
    }

    /**
     * Any membership change: {@code option} is one of the {@code MCAST_*} requests; {@code source} is null for
     * {@link #MCAST_JOIN_GROUP} and {@link #MCAST_LEAVE_GROUP}, required by the others.
     */
    public static void request(int fd, int option, InetAddress group, int interfaceIndex, InetAddress source,
                               NativeMemory memory) throws NativeIoException {
        if ((source == null) != (option == MCAST_JOIN_GROUP || option == MCAST_LEAVE_GROUP)) {
            throw new IllegalArgumentException(name(option) + (source == null ? " needs" : " takes no") + " source");
        }
        boolean ipv6 = group instanceof Inet6Address;
        if (source != null && (source instanceof Inet6Address) != ipv6) {
            throw new IllegalArgumentException("source " + source + " and group " + group + " differ in family");
        }
        memory.zero(0, REQUEST_SIZE);
        memory.putInt(0, interfaceIndex);
        SockAddr.write(memory, GROUP, new InetSocketAddress(group, 0), ipv6);
        int size = GROUP_REQ_SIZE;
        if (source != null) {
            SockAddr.write(memory, SOURCE, new InetSocketAddress(source, 0), ipv6);
            size = REQUEST_SIZE;
        }
        int level = ipv6 ? LinuxSocket.IPPROTO_IPV6 : LinuxSocket.IPPROTO_IP;
        int ret = Syscalls.setsockopt(fd, level, option, memory.address(), size);
        if (ret < 0) {
            throw new NativeIoException("setsockopt(" + name(option) + ", " + group
                    + (source != null ? " from " + source : "") + ")", ret);
        }
    }

    private static String name(int option) {
        switch (option) {
            case MCAST_JOIN_GROUP: return "MCAST_JOIN_GROUP";
            case MCAST_LEAVE_GROUP: return "MCAST_LEAVE_GROUP";
            case MCAST_JOIN_SOURCE_GROUP: return "MCAST_JOIN_SOURCE_GROUP";
            case MCAST_LEAVE_SOURCE_GROUP: return "MCAST_LEAVE_SOURCE_GROUP";
            case MCAST_BLOCK_SOURCE: return "MCAST_BLOCK_SOURCE";
            case MCAST_UNBLOCK_SOURCE: return "MCAST_UNBLOCK_SOURCE";
            default: return String.valueOf(option);
        }
    }

    /**
     * Sets the interface outgoing multicast leaves by: {@code IP_MULTICAST_IF} (a {@code struct ip_mreqn} naming
     * {@code address} and {@code interfaceIndex}) and, on an IPv6 socket, {@code IPV6_MULTICAST_IF} too.
     */
    public static void setInterface(int fd, boolean ipv6Socket, InetAddress address, int interfaceIndex,
                                    NativeMemory memory) throws NativeIoException {
        // struct ip_mreqn { struct in_addr imr_multiaddr; struct in_addr imr_address; int imr_ifindex; };
        memory.zero(0, 12);
        if (address != null && !(address instanceof Inet6Address)) {
            memory.put(4, address.getAddress(), 0, 4);
        }
        memory.putInt(8, interfaceIndex);
        int ret = Syscalls.setsockopt(fd, LinuxSocket.IPPROTO_IP, LinuxSocket.IP_MULTICAST_IF, memory.address(), 12);
        if (ret < 0) {
            throw new NativeIoException("setsockopt(IP_MULTICAST_IF)", ret);
        }
        if (ipv6Socket) {
            LinuxSocket.setIntOption(fd, LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_MULTICAST_IF, interfaceIndex,
                    memory);
        }
    }

    /** The IPv4 address outgoing multicast leaves by ({@code IP_MULTICAST_IF}), or null when left to the route. */
    public static InetAddress getInterfaceAddress(int fd, NativeMemory memory) throws NativeIoException {
        memory.putInt(Integer.BYTES, Integer.BYTES);
        int ret = Syscalls.getsockopt(fd, LinuxSocket.IPPROTO_IP, LinuxSocket.IP_MULTICAST_IF, memory.address(),
                memory.address(Integer.BYTES));
        if (ret < 0) {
            throw new NativeIoException("getsockopt(IP_MULTICAST_IF)", ret);
        }
        byte[] address = new byte[4];
        memory.get(0, address, 0, 4);
        try {
            InetAddress result = InetAddress.getByAddress(address);
            return result.isAnyLocalAddress() ? null : result;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("impossible: a 4-byte address", e);
        }
    }
}
