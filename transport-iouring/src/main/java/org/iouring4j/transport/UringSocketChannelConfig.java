package org.iouring4j.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.util.internal.ObjectUtil;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.ring.LinuxSocket;

import java.util.Map;

/**
 * Configuration of a {@link UringSocketChannel}: Netty's {@link SocketChannelConfig} plus the Linux TCP
 * options of {@link UringChannelOption}. Socket options are read from and written to the socket itself.
 */
public final class UringSocketChannelConfig extends DefaultChannelConfig implements SocketChannelConfig {
    private final UringSocketChannel channel;
    private volatile boolean allowHalfClosure;
    private volatile StreamReadMode streamReadMode = StreamReadMode.DEFAULT;
    private volatile int sendZcThreshold = ZeroCopySends.OFF;
    /**
     * {@code SO_LINGER} was set to a positive time through this config, so {@code close(2)} may block: the
     * channel then closes off the loop. Remembered rather than asked of the socket, which would cost a
     * {@code getsockopt} on every close.
     */
    private volatile boolean lingersOnClose;

    UringSocketChannelConfig(UringSocketChannel channel) {
        super(channel);
        this.channel = channel;
        if (PlatformDependent.canEnableTcpNoDelayByDefault()) {
            setTcpNoDelay(true);
        }
    }

    private int fd() {
        return channel.socketFd();
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_RCVBUF, ChannelOption.SO_SNDBUF,
                ChannelOption.TCP_NODELAY, ChannelOption.SO_KEEPALIVE, ChannelOption.SO_REUSEADDR,
                ChannelOption.SO_LINGER, ChannelOption.IP_TOS, ChannelOption.ALLOW_HALF_CLOSURE,
                UringChannelOption.TCP_CORK, UringChannelOption.TCP_QUICKACK, UringChannelOption.TCP_KEEPIDLE,
                UringChannelOption.TCP_KEEPINTVL, UringChannelOption.TCP_KEEPCNT,
                UringChannelOption.TCP_USER_TIMEOUT, UringChannelOption.TCP_NOTSENT_LOWAT,
                UringChannelOption.TCP_FASTOPEN_CONNECT, UringChannelOption.IP_FREEBIND,
                UringChannelOption.IP_TRANSPARENT, UringChannelOption.STREAM_READ_MODE,
                UringChannelOption.SEND_ZC_THRESHOLD);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == ChannelOption.TCP_NODELAY) {
            return (T) Boolean.valueOf(isTcpNoDelay());
        }
        if (option == ChannelOption.SO_KEEPALIVE) {
            return (T) Boolean.valueOf(isKeepAlive());
        }
        if (option == ChannelOption.SO_REUSEADDR) {
            return (T) Boolean.valueOf(isReuseAddress());
        }
        if (option == ChannelOption.SO_LINGER) {
            return (T) Integer.valueOf(getSoLinger());
        }
        if (option == ChannelOption.IP_TOS) {
            return (T) Integer.valueOf(getTrafficClass());
        }
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(isAllowHalfClosure());
        }
        if (option == UringChannelOption.STREAM_READ_MODE) {
            return (T) getStreamReadMode();
        }
        if (option == UringChannelOption.SEND_ZC_THRESHOLD) {
            return (T) Integer.valueOf(getSendZcThreshold());
        }
        if (option == UringChannelOption.TCP_CORK) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_CORK));
        }
        if (option == UringChannelOption.TCP_QUICKACK) {
            return (T) Boolean.valueOf(
                    SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_QUICKACK));
        }
        if (option == UringChannelOption.TCP_FASTOPEN_CONNECT) {
            return (T) Boolean.valueOf(
                    SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_FASTOPEN_CONNECT));
        }
        if (option == UringChannelOption.IP_FREEBIND) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_FREEBIND));
        }
        if (option == UringChannelOption.IP_TRANSPARENT) {
            return (T) Boolean.valueOf(SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_IP,
                    LinuxSocket.IP_TRANSPARENT));
        }
        int tcpIntOption = tcpIntOption(option);
        if (tcpIntOption >= 0) {
            return (T) Integer.valueOf(SocketOptions.getInt(fd(), LinuxSocket.IPPROTO_TCP, tcpIntOption));
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.TCP_NODELAY) {
            setTcpNoDelay((Boolean) value);
        } else if (option == ChannelOption.SO_KEEPALIVE) {
            setKeepAlive((Boolean) value);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == ChannelOption.SO_LINGER) {
            setSoLinger((Integer) value);
        } else if (option == ChannelOption.IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == UringChannelOption.STREAM_READ_MODE) {
            setStreamReadMode((StreamReadMode) value);
        } else if (option == UringChannelOption.SEND_ZC_THRESHOLD) {
            setSendZcThreshold((Integer) value);
        } else if (option == UringChannelOption.TCP_CORK) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_CORK, (Boolean) value);
        } else if (option == UringChannelOption.TCP_QUICKACK) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_QUICKACK, (Boolean) value);
        } else if (option == UringChannelOption.TCP_FASTOPEN_CONNECT) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_FASTOPEN_CONNECT,
                    (Boolean) value);
        } else if (option == UringChannelOption.IP_FREEBIND) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_FREEBIND, (Boolean) value);
        } else if (option == UringChannelOption.IP_TRANSPARENT) {
            SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_IP, LinuxSocket.IP_TRANSPARENT, (Boolean) value);
        } else if (tcpIntOption(option) >= 0) {
            SocketOptions.setInt(fd(), LinuxSocket.IPPROTO_TCP, tcpIntOption(option), (Integer) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** The TCP-level int options, by their {@code setsockopt} name; -1 if {@code option} is not one. */
    private static int tcpIntOption(ChannelOption<?> option) {
        if (option == UringChannelOption.TCP_KEEPIDLE) {
            return LinuxSocket.TCP_KEEPIDLE;
        }
        if (option == UringChannelOption.TCP_KEEPINTVL) {
            return LinuxSocket.TCP_KEEPINTVL;
        }
        if (option == UringChannelOption.TCP_KEEPCNT) {
            return LinuxSocket.TCP_KEEPCNT;
        }
        if (option == UringChannelOption.TCP_USER_TIMEOUT) {
            return LinuxSocket.TCP_USER_TIMEOUT;
        }
        if (option == UringChannelOption.TCP_NOTSENT_LOWAT) {
            return LinuxSocket.TCP_NOTSENT_LOWAT;
        }
        return -1;
    }

    @Override
    public int getReceiveBufferSize() {
        return SocketOptions.getInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF);
    }

    @Override
    public UringSocketChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.setInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, receiveBufferSize);
        return this;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.getInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF);
    }

    @Override
    public UringSocketChannelConfig setSendBufferSize(int sendBufferSize) {
        SocketOptions.setInt(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF, sendBufferSize);
        return this;
    }

    @Override
    public boolean isTcpNoDelay() {
        return SocketOptions.getBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_NODELAY);
    }

    @Override
    public UringSocketChannelConfig setTcpNoDelay(boolean tcpNoDelay) {
        SocketOptions.setBoolean(fd(), LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_NODELAY, tcpNoDelay);
        return this;
    }

    @Override
    public boolean isKeepAlive() {
        return SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_KEEPALIVE);
    }

    @Override
    public UringSocketChannelConfig setKeepAlive(boolean keepAlive) {
        SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_KEEPALIVE, keepAlive);
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return SocketOptions.getBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEADDR);
    }

    @Override
    public UringSocketChannelConfig setReuseAddress(boolean reuseAddress) {
        SocketOptions.setBoolean(fd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_REUSEADDR, reuseAddress);
        return this;
    }

    @Override
    public int getSoLinger() {
        return SocketOptions.getLinger(fd());
    }

    @Override
    public UringSocketChannelConfig setSoLinger(int soLinger) {
        SocketOptions.setLinger(fd(), soLinger);
        lingersOnClose = soLinger > 0;
        return this;
    }

    /** Whether {@code close(2)} may block for {@code SO_LINGER} seconds (set through this config). */
    boolean lingersOnClose() {
        return lingersOnClose;
    }

    @Override
    public int getTrafficClass() {
        return SocketOptions.getTrafficClass(fd(), channel.isIpv6());
    }

    @Override
    public UringSocketChannelConfig setTrafficClass(int trafficClass) {
        SocketOptions.setTrafficClass(fd(), channel.isIpv6(), trafficClass);
        return this;
    }

    /** Has no effect on Linux, as with every Netty socket transport. */
    @Override
    public UringSocketChannelConfig setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public UringSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    /** The op reads become ({@link UringChannelOption#STREAM_READ_MODE}). */
    public StreamReadMode getStreamReadMode() {
        return streamReadMode;
    }

    public UringSocketChannelConfig setStreamReadMode(StreamReadMode mode) {
        this.streamReadMode = ObjectUtil.checkNotNull(mode, "mode");
        return this;
    }

    /** The size from which writes go zero copy, or -1 for never ({@link UringChannelOption#SEND_ZC_THRESHOLD}). */
    public int getSendZcThreshold() {
        return sendZcThreshold;
    }

    /** @param threshold -1 (never), or the fewest bytes a write sends zero copy (0: every write) */
    public UringSocketChannelConfig setSendZcThreshold(int threshold) {
        this.sendZcThreshold = ObjectUtil.checkInRange(threshold, ZeroCopySends.OFF, Integer.MAX_VALUE, "threshold");
        return this;
    }

    @Override
    public UringSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public UringSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public UringSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public UringSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public UringSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public UringSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public UringSocketChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    @Deprecated
    public UringSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public UringSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public UringSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public UringSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }
}
