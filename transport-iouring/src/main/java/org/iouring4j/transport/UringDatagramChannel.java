package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.Multicast;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.SockAddr;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;

/**
 * A UDP socket on io_uring: the drop-in replacement for {@code NioDatagramChannel} and {@code EpollDatagramChannel}.
 *
 * <p>Receives and sends are those of {@link AbstractUringDatagramChannel} (a batch of RECVMSGs in the kernel, ordered
 * SENDMSGs). Messages written: a {@link DatagramPacket} to any address, a {@link ByteBuf} (or an
 * {@link AddressedEnvelope}) on a connected socket, a {@link SegmentedDatagramPacket} as one UDP GSO send
 * ({@code UDP_SEGMENT}). A send the kernel refuses (an unroutable address, say) fails that write's promise only. On a
 * connected socket an ICMP port-unreachable turns the next receive or send into a {@link PortUnreachableException},
 * and the channel stays usable, as with NIO and epoll.
 *
 * <p>Multicast membership, source-specific included, for IPv4 and IPv6 groups: {@link Multicast}.
 */
public final class UringDatagramChannel extends AbstractUringDatagramChannel implements DatagramChannel {
    /** Room for one control message holding a sockaddr_in6 (IP(V6)_ORIGDSTADDR) or a u16 (UDP_SEGMENT). */
    private static final int CONTROL_BYTES = MessageSlots.controlSpace(SockAddr.IN6_SIZE);
    private static final ChannelMetadata METADATA = new ChannelMetadata(true, 16);

    private final UringDatagramChannelConfig config;

    /** A new UDP socket, IPv6 dual-stack where available. */
    public UringDatagramChannel() {
        this(SocketFamily.ip());
    }

    /** A new UDP socket of {@code family} ({@code INET} or {@code INET6}; null: as the no-argument constructor). */
    public UringDatagramChannel(SocketProtocolFamily family) {
        this(family == null ? SocketFamily.ip() : family == SocketProtocolFamily.INET ? SocketFamily.IPV4
                : checkInet6(family));
    }

    /**
     * A new UDP socket of {@code family}.
     *
     * @deprecated use {@link #UringDatagramChannel(SocketProtocolFamily)}, as with Netty's own channels
     */
    @Deprecated
    public UringDatagramChannel(InternetProtocolFamily family) {
        this(family == null ? null : family.toSocketProtocolFamily());
    }

    private UringDatagramChannel(SocketFamily family) {
        super(family, CONTROL_BYTES);
        this.config = new UringDatagramChannelConfig(this);
    }

    private static SocketFamily checkInet6(SocketProtocolFamily family) {
        if (family != SocketProtocolFamily.INET6) {
            throw new UnsupportedOperationException("not a UDP family: " + family);
        }
        return SocketFamily.IPV6;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public UringDatagramChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    DatagramReadSettings readSettings() {
        return config.readSettings();
    }

    /**
     * Dissolves the association with the peer; the socket stays bound where it was. Linux drops a port the kernel
     * picked (at bind to port 0, or at connect) when a UDP socket disconnects, so it is bound to it again, as the
     * JDK's own datagram channel does.
     */
    @Override
    protected void doDisconnect() throws Exception {
        InetSocketAddress local = (InetSocketAddress) family().address(socketFd(), true);
        super.doDisconnect();
        if (local.getPort() != 0 && ((InetSocketAddress) family().address(socketFd(), true)).getPort() == 0) {
            bindSocket(local);
            cacheLocalAddress();
        }
    }

    @Override
    Object newPacket(ByteBuf content, MessageSlots slots, int slot) {
        return new DatagramPacket(content, recipient(slots, slot),
                (InetSocketAddress) family().read(slots.memory(), slots.nameOffset(slot), slots.nameLength(slot)));
    }

    /** The datagram's original destination when {@code IP_RECVORIGDSTADDR} is on, else the local address. */
    private InetSocketAddress recipient(MessageSlots slots, int slot) {
        for (int c = slots.firstControl(slot); c >= 0; c = slots.nextControl(slot, c)) {
            int level = slots.controlLevel(c);
            int type = slots.controlType(c);
            if (level == LinuxSocket.IPPROTO_IP && type == LinuxSocket.IP_RECVORIGDSTADDR
                    || level == LinuxSocket.IPPROTO_IPV6 && type == LinuxSocket.IPV6_RECVORIGDSTADDR) {
                return SockAddr.read(slots.memory(), slots.controlDataOffset(c));
            }
        }
        return localAddress();
    }

    /** A failed receive or send; an ICMP port-unreachable on a connected socket as NIO and epoll report it. */
    @Override
    IOException failure(NativeIoException cause) {
        if (!isConnected() || cause.errno() != Errno.ECONNREFUSED) {
            return cause;
        }
        PortUnreachableException e = new PortUnreachableException(cause.getMessage());
        e.initCause(cause);
        return e;
    }

    @Override
    String expectedMessageTypes() {
        return "DatagramPacket, AddressedEnvelope<ByteBuf, InetSocketAddress>, ByteBuf";
    }

    // ---- multicast ----

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress) {
        return joinGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return membership(Multicast.MCAST_JOIN_GROUP, multicastAddress, null, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return joinGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                   ChannelPromise promise) {
        return membership(Multicast.MCAST_JOIN_GROUP, multicastAddress.getAddress(), networkInterface, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source) {
        return joinGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source, ChannelPromise promise) {
        return membership(Multicast.MCAST_JOIN_GROUP, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress) {
        return leaveGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return membership(Multicast.MCAST_LEAVE_GROUP, multicastAddress, null, null, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return leaveGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                    ChannelPromise promise) {
        return membership(Multicast.MCAST_LEAVE_GROUP, multicastAddress.getAddress(), networkInterface, null,
                promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source) {
        return leaveGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source, ChannelPromise promise) {
        return membership(Multicast.MCAST_LEAVE_GROUP, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock) {
        return block(multicastAddress, networkInterface, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock, ChannelPromise promise) {
        return membership(Multicast.MCAST_BLOCK_SOURCE, multicastAddress, networkInterface, sourceToBlock, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock) {
        return block(multicastAddress, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock, ChannelPromise promise) {
        return membership(Multicast.MCAST_BLOCK_SOURCE, multicastAddress, null, sourceToBlock, promise);
    }

    /** Unlets datagrams from a blocked source through again ({@code MCAST_UNBLOCK_SOURCE}). */
    public ChannelFuture unblock(InetAddress multicastAddress, NetworkInterface networkInterface,
                                 InetAddress sourceToUnblock, ChannelPromise promise) {
        return membership(Multicast.MCAST_UNBLOCK_SOURCE, multicastAddress, networkInterface, sourceToUnblock,
                promise);
    }

    /**
     * One membership change, by the group's family and on the interface given (or the one the config names, or
     * the route's); a join or leave with a source becomes its source-specific form.
     */
    private ChannelFuture membership(int request, InetAddress group, NetworkInterface networkInterface,
                                     InetAddress source, ChannelPromise promise) {
        runInLoop(() -> {
            try {
                NetworkInterface iface = networkInterface != null ? networkInterface : config.getNetworkInterface();
                int index = iface == null ? 0 : iface.getIndex();
                int option = source == null ? request : request == Multicast.MCAST_JOIN_GROUP
                        ? Multicast.MCAST_JOIN_SOURCE_GROUP : request == Multicast.MCAST_LEAVE_GROUP
                        ? Multicast.MCAST_LEAVE_SOURCE_GROUP : request;
                try (SyscallMemory memory = SyscallMemory.acquire()) {
                    Multicast.request(socketFd(), option, group, index, source, memory.get());
                }
                promise.setSuccess();
            } catch (IOException | RuntimeException e) {
                promise.setFailure(e);
            }
        });
        return promise;
    }
}
