package org.iouring4j.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.DomainDatagramChannelConfig;
import org.iouring4j.ring.LinuxSocket;

import java.util.Map;

/**
 * Configuration of a {@link UringDomainDatagramChannel}: Netty's {@link DomainDatagramChannelConfig} (the send
 * buffer, {@code DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION}), the receive buffer, and of {@link UringChannelOption}
 * the largest datagram expected and the receive batch, as on {@link UringDatagramChannelConfig}.
 */
public final class UringDomainDatagramChannelConfig extends DefaultChannelConfig
        implements DomainDatagramChannelConfig {
    private final UringDomainDatagramChannel channel;
    private final DatagramReadSettings readSettings;

    UringDomainDatagramChannelConfig(UringDomainDatagramChannel channel) {
        super(channel, UringDatagramChannelConfig.DEFAULT_RCVBUF_ALLOCATOR);
        this.channel = channel;
        this.readSettings = new DatagramReadSettings(channel);
    }

    DatagramReadSettings readSettings() {
        return readSettings;
    }

    @Override
    @SuppressWarnings("deprecation") // DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: deprecated, still Netty's option
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_SNDBUF, ChannelOption.SO_RCVBUF,
                ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE,
                UringChannelOption.DATAGRAM_RECEIVE_BATCH);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(getSendBufferSize());
        }
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        if (DatagramReadSettings.isSetting(option)) {
            return (T) readSettings.get(option);
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (DatagramReadSettings.isSetting(option)) {
            readSettings.set(option, value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    @Override
    public int getSendBufferSize() {
        return SocketOptions.getInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF);
    }

    @Override
    public UringDomainDatagramChannelConfig setSendBufferSize(int sendBufferSize) {
        SocketOptions.setInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_SNDBUF, sendBufferSize);
        return this;
    }

    /** {@code SO_RCVBUF}: how many bytes of datagrams the kernel queues for this socket. */
    public int getReceiveBufferSize() {
        return SocketOptions.getInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF);
    }

    /** Sets {@code SO_RCVBUF}. */
    public UringDomainDatagramChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.setInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, receiveBufferSize);
        return this;
    }

    /** The receive buffer size per datagram; 0: the {@link RecvByteBufAllocator}'s guess. */
    public int getMaxDatagramPayloadSize() {
        return readSettings.getMaxDatagramPayloadSize();
    }

    /** Sets the receive buffer size per datagram (0..65535; 0: the {@link RecvByteBufAllocator}'s guess). */
    public UringDomainDatagramChannelConfig setMaxDatagramPayloadSize(int size) {
        readSettings.setMaxDatagramPayloadSize(size);
        return this;
    }

    /** Receives kept in the kernel while auto-read is on. */
    public int getReceiveBatch() {
        return readSettings.getReceiveBatch();
    }

    /** Sets the receives kept in the kernel while auto-read is on (1..64). */
    public UringDomainDatagramChannelConfig setReceiveBatch(int batch) {
        readSettings.setReceiveBatch(batch);
        return this;
    }

    @Override
    @Deprecated
    public UringDomainDatagramChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public UringDomainDatagramChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }
}
