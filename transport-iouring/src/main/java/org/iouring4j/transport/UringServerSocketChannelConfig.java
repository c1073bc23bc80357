package org.iouring4j.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ServerSocketChannelConfig;
import io.netty.util.NetUtil;
import org.iouring4j.ring.LinuxSocket;

import java.util.Map;

/**
 * Configuration of a {@link UringServerSocketChannel}: Netty's {@link ServerSocketChannelConfig} plus
 * {@link UringChannelOption#SO_REUSEPORT}, {@link UringChannelOption#TCP_FASTOPEN},
 * {@link UringChannelOption#TCP_DEFER_ACCEPT}, {@link UringChannelOption#IP_FREEBIND} and
 * {@link UringChannelOption#IP_TRANSPARENT}. {@code SO_REUSEADDR} is on by default, as with Netty's native
 * transports, so a restarted server can bind while old connections sit in TIME_WAIT.
 */
public final class UringServerSocketChannelConfig extends DefaultChannelConfig implements ServerSocketChannelConfig {
    private final UringServerSocketChannel channel;
    private volatile int backlog = NetUtil.SOMAXCONN;

    UringServerSocketChannelConfig(UringServerSocketChannel channel) {
        super(channel);
        this.channel = channel;
        setReuseAddress(true);
    }

    private int fd() {
        return channel.socketFd();
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_RCVBUF, ChannelOption.SO_REUSEADDR,
                ChannelOption.SO_BACKLOG, UringChannelOption.SO_REUSEPORT, UringChannelOption.TCP_FASTOPEN,
                UringChannelOption.TCP_DEFER_ACCEPT, UringChannelOption.IP_FREEBIND, UringChannelOption.IP_TRANSPARENT);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == ChannelOption.SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == ChannelOption.SO_BACKLOG) {
            return (T) Integer.valueOf(getBacklog());
        }
        if (option == UringChannelOption.SO_REUSEPORT) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET,
                    LinuxSocket.SO_REUSEPORT));
        }
        if (option == UringChannelOption.TCP_FASTOPEN) {
            return (T) Integer.valueOf(SocketOptions.getInt(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_FASTOPEN));
        }
        if (option == UringChannelOption.TCP_DEFER_ACCEPT) {
            return (T) Integer.valueOf(SocketOptions.getInt(fd(), LinuxSocket.IPPROTO_TCP,
                    LinuxSocket.TCP_DEFER_ACCEPT));
        }
        if (option == UringChannelOption.IP_FREEBIND) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_FREEBIND));
        }
        if (option == UringChannelOption.IP_TRANSPARENT) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP,
                    LinuxSocket.IP_TRANSPARENT));
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == ChannelOption.SO_BACKLOG) {
            setBacklog((Integer) value);
        } else if (option == UringChannelOption.SO_REUSEPORT) {
            SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEPORT, (Boolean) value);
        } else if (option == UringChannelOption.TCP_FASTOPEN) {
            SocketOptions.setInt(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_FASTOPEN, (Integer) value);
        } else if (option == UringChannelOption.TCP_DEFER_ACCEPT) {
            SocketOptions.setInt(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_DEFER_ACCEPT, (Integer) value);
        } else if (option == UringChannelOption.IP_FREEBIND) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_FREEBIND, (Boolean) value);
        } else if (option == UringChannelOption.IP_TRANSPARENT) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_TRANSPARENT, (Boolean) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public int getBacklog() {
        return backlog;
    }

    /** The accept backlog passed to {@code listen(2)}; takes effect at bind. */
    @Override
    public UringServerSocketChannelConfig setBacklog(int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + backlog);
        }
        this.backlog = backlog;
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEADDR);
    }

    @Override
    public UringServerSocketChannelConfig setReuseAddress(boolean reuseAddress) {
        SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEADDR, reuseAddress);
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.getInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF);
    }

    @Override
    public UringServerSocketChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.setInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, receiveBufferSize);
        return this;
    }

    /** Has no effect on Linux, as with every Netty socket transport. */
    @Override
    public UringServerSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public UringServerSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    @Deprecated
    public UringServerSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public UringServerSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public UringServerSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }
}
