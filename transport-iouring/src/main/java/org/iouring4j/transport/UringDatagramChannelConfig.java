package org.iouring4j.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannelConfig;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.Multicast;
import org.iouring4j.ring.NativeIoException;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Map;

/**
 * Configuration of a {@link UringDatagramChannel}: Netty's {@link DatagramChannelConfig} (buffers, broadcast,
 * traffic class, the multicast interface, TTL and loopback), {@code SO_REUSEPORT}, and the Linux options of
 * {@link UringChannelOption}: {@code IP_FREEBIND}, {@code IP_TRANSPARENT}, {@code IP_RECVORIGDSTADDR}, the largest
 * datagram expected and the receive batch. Socket options are read from and written to the socket itself.
 */
public final class UringDatagramChannelConfig extends DefaultChannelConfig implements DatagramChannelConfig {
    /** Netty's datagram default: 2048-byte receive buffers. */
    static final RecvByteBufAllocator DEFAULT_RCVBUF_ALLOCATOR = new FixedRecvByteBufAllocator(2048);

    private final UringDatagramChannel channel;
    private final DatagramReadSettings readSettings;

    UringDatagramChannelConfig(UringDatagramChannel channel) {
        super(channel, DEFAULT_RCVBUF_ALLOCATOR);
        this.channel = channel;
        this.readSettings = new DatagramReadSettings(channel);
    }

    DatagramReadSettings readSettings() {
        return readSettings;
    }

    private int fd() {
        return channel.socketFd();
    }

    @Override
    @SuppressWarnings("deprecation") // DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: deprecated, still Netty's option
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_BROADCAST, ChannelOption.SO_RCVBUF,
                ChannelOption.SO_SNDBUF, ChannelOption.SO_REUSEADDR, ChannelOption.IP_MULTICAST_LOOP_DISABLED,
                ChannelOption.IP_MULTICAST_ADDR, ChannelOption.IP_MULTICAST_IF, ChannelOption.IP_MULTICAST_TTL,
                ChannelOption.IP_TOS, ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION,
                UringChannelOption.SO_REUSEPORT, UringChannelOption.IP_FREEBIND, UringChannelOption.IP_TRANSPARENT,
                UringChannelOption.IP_RECVORIGDSTADDR, UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE,
                UringChannelOption.DATAGRAM_RECEIVE_BATCH);
    }

    @Override
    @SuppressWarnings({"unchecked", "deprecation"})
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_BROADCAST) {
            return (T) Boolean.valueOf(isBroadcast());
        }
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == ChannelOption.SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == ChannelOption.IP_MULTICAST_LOOP_DISABLED) {
            return (T) Boolean.valueOf(isLoopbackModeDisabled());
        }
        if (option == ChannelOption.IP_MULTICAST_ADDR) {
            return (T) getInterface();
        }
        if (option == ChannelOption.IP_MULTICAST_IF) {
            return (T) getNetworkInterface();
        }
        if (option == ChannelOption.IP_MULTICAST_TTL) {
            return (T) Integer.valueOf(getTimeToLive());
        }
        if (option == ChannelOption.IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (DatagramReadSettings.isSetting(option)) {
            return (T) readSettings.get(option);
        }
        if (option == UringChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEPORT));
        }
        if (option == UringChannelOption.IP_FREEBIND) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_FREEBIND));
        }
        if (option == UringChannelOption.IP_TRANSPARENT) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP,
                    LinuxSocket.IP_TRANSPARENT));
        }
        if (option == UringChannelOption.IP_RECVORIGDSTADDR) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP,
                    LinuxSocket.IP_RECVORIGDSTADDR));
        }
        return super.getOption(option);
    }

    @Override
    @SuppressWarnings("deprecation")
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_BROADCAST) {
            setBroadcast((Boolean) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == ChannelOption.IP_MULTICAST_LOOP_DISABLED) {
            setLoopbackModeDisabled((Boolean) value);
        } else if (option == ChannelOption.IP_MULTICAST_ADDR) {
            setInterface((InetAddress) value);
        } else if (option == ChannelOption.IP_MULTICAST_IF) {
            setNetworkInterface((NetworkInterface) value);
        } else if (option == ChannelOption.IP_MULTICAST_TTL) {
            setTimeToLive((Integer) value);
        } else if (option == ChannelOption.IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (DatagramReadSettings.isSetting(option)) {
            readSettings.set(option, value);
        } else if (option == UringChannelOption.SO_REUSEPORT) {
            SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEPORT, (Boolean) value);
        } else if (option == UringChannelOption.IP_FREEBIND) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_FREEBIND, (Boolean) value);
        } else if (option == UringChannelOption.IP_TRANSPARENT) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_TRANSPARENT, (Boolean) value);
        } else if (option == UringChannelOption.IP_RECVORIGDSTADDR) {
            setReceiveOriginalDestination((Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** The receive buffer size per datagram; 0: the {@link RecvByteBufAllocator}'s guess. */
    public int getMaxDatagramPayloadSize() {
        return readSettings.getMaxDatagramPayloadSize();
    }

    /** Sets the receive buffer size per datagram (0..65535; 0: the {@link RecvByteBufAllocator}'s guess). */
    public UringDatagramChannelConfig setMaxDatagramPayloadSize(int size) {
        readSettings.setMaxDatagramPayloadSize(size);
        return this;
    }

    /** Receives kept in the kernel while auto-read is on. */
    public int getReceiveBatch() {
        return readSettings.getReceiveBatch();
    }

    /** Sets the receives kept in the kernel while auto-read is on (1..64). */
    public UringDatagramChannelConfig setReceiveBatch(int batch) {
        readSettings.setReceiveBatch(batch);
        return this;
    }

    /** {@code IP_RECVORIGDSTADDR} (and {@code IPV6_RECVORIGDSTADDR} on an IPv6 socket). */
    public UringDatagramChannelConfig setReceiveOriginalDestination(boolean on) {
        SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_RECVORIGDSTADDR, on);
        if (channel.family().isIpv6()) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_RECVORIGDSTADDR, on);
        }
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.getInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF);
    }

    @Override
    public UringDatagramChannelConfig setSendBufferSize(int sendBufferSize) {
        SocketOptions.setInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF, sendBufferSize);
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.getInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF);
    }

    @Override
    public UringDatagramChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.setInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, receiveBufferSize);
        return this;
    }

    @Override
    public int getTrafficClass() {
        return SocketOptions.getTrafficClass(fd(), channel.isIpv6());
    }

    @Override
    public UringDatagramChannelConfig setTrafficClass(int trafficClass) {
        SocketOptions.setTrafficClass(fd(), channel.isIpv6(), trafficClass);
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEADDR);
    }

    @Override
    public UringDatagramChannelConfig setReuseAddress(boolean reuseAddress) {
        SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEADDR, reuseAddress);
        return this;
    }

    @Override
    public boolean isBroadcast() {
        return SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_BROADCAST);
    }

    @Override
    public UringDatagramChannelConfig setBroadcast(boolean broadcast) {
        SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_BROADCAST, broadcast);
        return this;
    }

    /** Multicast loopback ({@code IP_MULTICAST_LOOP}, and {@code IPV6_MULTICAST_LOOP} on an IPv6 socket) is off. */
    @Override
    public boolean isLoopbackModeDisabled() {
        return channel.isIpv6() ? !SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IPV6,
                LinuxSocket.IPV6_MULTICAST_LOOP)
                : !SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_MULTICAST_LOOP);
    }

    @Override
    public UringDatagramChannelConfig setLoopbackModeDisabled(boolean loopbackModeDisabled) {
        SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_MULTICAST_LOOP, !loopbackModeDisabled);
        if (channel.isIpv6()) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_MULTICAST_LOOP,
                    !loopbackModeDisabled);
        }
        return this;
    }

    /** The multicast TTL ({@code IP_MULTICAST_TTL}; {@code IPV6_MULTICAST_HOPS} on an IPv6 socket). */
    @Override
    public int getTimeToLive() {
        return channel.isIpv6() ? SocketOptions.getInt(fd(), LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_MULTICAST_HOPS)
                : SocketOptions.getInt(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_MULTICAST_TTL);
    }

    @Override
    public UringDatagramChannelConfig setTimeToLive(int ttl) {
        SocketOptions.setInt(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_MULTICAST_TTL, ttl);
        if (channel.isIpv6()) {
            SocketOptions.setInt(fd(), LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_MULTICAST_HOPS, ttl);
        }
        return this;
    }

    /**
     * The address outgoing multicast leaves by: the IPv4 address {@code IP_MULTICAST_IF} holds, or on an IPv6 socket
     * an address of the interface {@code IPV6_MULTICAST_IF} names; null when the route decides.
     */
    @Override
    public InetAddress getInterface() {
        if (channel.isIpv6()) {
            return firstAddress(getNetworkInterface(), true);
        }
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            return Multicast.getInterfaceAddress(fd(), memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }

    @Override
    public UringDatagramChannelConfig setInterface(InetAddress address) {
        try {
            NetworkInterface iface = address == null ? null : NetworkInterface.getByInetAddress(address);
            setMulticastInterface(address, iface == null ? 0 : iface.getIndex());
        } catch (SocketException e) {
            throw new ChannelException(e);
        }
        return this;
    }

    @Override
    public NetworkInterface getNetworkInterface() {
        try {
            if (channel.isIpv6()) {
                int index = SocketOptions.getInt(fd(), LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_MULTICAST_IF);
                return index == 0 ? null : NetworkInterface.getByIndex(index);
            }
            InetAddress address = getInterface();
            return address == null ? null : NetworkInterface.getByInetAddress(address);
        } catch (SocketException e) {
            throw new ChannelException(e);
        }
    }

    /**
     * Sets the interface by index, and for IPv4 also by its first IPv4 address: {@code IP_MULTICAST_IF} reads back
     * only an address, so that is what {@link #getNetworkInterface()} finds the interface by.
     */
    @Override
    public UringDatagramChannelConfig setNetworkInterface(NetworkInterface networkInterface) {
        setMulticastInterface(firstAddress(networkInterface, false),
                networkInterface == null ? 0 : networkInterface.getIndex());
        return this;
    }

    private static InetAddress firstAddress(NetworkInterface iface, boolean ipv6First) {
        if (iface == null) {
            return null;
        }
        InetAddress other = null;
        for (java.util.Enumeration<InetAddress> e = iface.getInetAddresses(); e.hasMoreElements(); ) {
            InetAddress address = e.nextElement();
            if ((address instanceof java.net.Inet6Address) == ipv6First) {
                return address;
            }
            other = other == null ? address : other;
        }
        return ipv6First ? other : null;
    }

    private void setMulticastInterface(InetAddress address, int index) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            Multicast.setInterface(fd(), channel.isIpv6(), address, index, memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }

    @Override
    @Deprecated
    public UringDatagramChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public UringDatagramChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }
}
