package org.iouring4j.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.channel.unix.DomainSocketChannelConfig;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.internal.ObjectUtil;
import org.iouring4j.ring.LinuxSocket;

import java.util.Map;

/**
 * Configuration of a {@link UringDomainSocketChannel}: Netty's {@link DomainSocketChannelConfig} (the read mode:
 * bytes, or file descriptors passed with SCM_RIGHTS), half-closure, and the socket's buffer sizes.
 */
public final class UringDomainSocketChannelConfig extends DefaultChannelConfig
        implements DomainSocketChannelConfig, DuplexChannelConfig {
    private final UringDomainSocketChannel channel;
    private volatile DomainSocketReadMode readMode = DomainSocketReadMode.BYTES;
    private volatile boolean allowHalfClosure;
    private volatile StreamReadMode streamReadMode = StreamReadMode.DEFAULT;
    private volatile int sendZcThreshold = ZeroCopySends.OFF;

    UringDomainSocketChannelConfig(UringDomainSocketChannel channel) {
        super(channel);
        this.channel = channel;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), UnixChannelOption.DOMAIN_SOCKET_READ_MODE,
                ChannelOption.ALLOW_HALF_CLOSURE, ChannelOption.SO_SNDBUF, ChannelOption.SO_RCVBUF,
                UringChannelOption.STREAM_READ_MODE, UringChannelOption.SEND_ZC_THRESHOLD);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == UnixChannelOption.DOMAIN_SOCKET_READ_MODE) {
            return (T) getReadMode();
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
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == UnixChannelOption.DOMAIN_SOCKET_READ_MODE) {
            setReadMode((DomainSocketReadMode) value);
        } else if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            setAllowHalfClosure((Boolean) value);
        } else if (option == UringChannelOption.STREAM_READ_MODE) {
            setStreamReadMode((StreamReadMode) value);
        } else if (option == UringChannelOption.SEND_ZC_THRESHOLD) {
            setSendZcThreshold((Integer) value);
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public DomainSocketReadMode getReadMode() {
        return readMode;
    }

    /** {@link DomainSocketReadMode#FILE_DESCRIPTORS}: reads deliver the fds the peer passed, not bytes. */
    @Override
    public UringDomainSocketChannelConfig setReadMode(DomainSocketReadMode mode) {
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        this.readMode = mode;
        return this;
    }

    @Override
    public boolean isAllowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    public UringDomainSocketChannelConfig setAllowHalfClosure(boolean allowHalfClosure) {
        this.allowHalfClosure = allowHalfClosure;
        return this;
    }

    /** The op reads become ({@link UringChannelOption#STREAM_READ_MODE}); passed fds are always read by RECVMSG. */
    public StreamReadMode getStreamReadMode() {
        return streamReadMode;
    }

    public UringDomainSocketChannelConfig setStreamReadMode(StreamReadMode mode) {
        this.streamReadMode = ObjectUtil.checkNotNull(mode, "mode");
        return this;
    }

    /** The size from which writes go zero copy, or -1 for never ({@link UringChannelOption#SEND_ZC_THRESHOLD}). */
    public int getSendZcThreshold() {
        return sendZcThreshold;
    }

    /** @param threshold -1 (never), or the fewest bytes a write sends zero copy (0: every write) */
    public UringDomainSocketChannelConfig setSendZcThreshold(int threshold) {
        this.sendZcThreshold = ObjectUtil.checkInRange(threshold, ZeroCopySends.OFF, Integer.MAX_VALUE, "threshold");
        return this;
    }

    public int getSendBufferSize() {
        return SocketOptions.getInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF);
    }

    public UringDomainSocketChannelConfig setSendBufferSize(int size) {
        SocketOptions.setInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF, size);
        return this;
    }

    public int getReceiveBufferSize() {
        return SocketOptions.getInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF);
    }

    public UringDomainSocketChannelConfig setReceiveBufferSize(int size) {
        SocketOptions.setInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, size);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    @Deprecated
    public UringDomainSocketChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    @Deprecated
    public UringDomainSocketChannelConfig setWriteBufferHighWaterMark(int writeBufferHighWaterMark) {
        super.setWriteBufferHighWaterMark(writeBufferHighWaterMark);
        return this;
    }

    @Override
    @Deprecated
    public UringDomainSocketChannelConfig setWriteBufferLowWaterMark(int writeBufferLowWaterMark) {
        super.setWriteBufferLowWaterMark(writeBufferLowWaterMark);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    public UringDomainSocketChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }
}
