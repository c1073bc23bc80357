package org.iouring4j.transport;

import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.util.NetUtil;
import org.iouring4j.ring.LinuxSocket;

import java.util.Map;

/**
 * Configuration of a {@link UringServerDomainSocketChannel}: Netty's channel options plus {@code SO_BACKLOG} and
 * {@code SO_RCVBUF}, as Netty's epoll server domain socket channel has them.
 */
public final class UringServerDomainSocketChannelConfig extends DefaultChannelConfig {
    private final UringServerDomainSocketChannel channel;
    private volatile int backlog = NetUtil.SOMAXCONN;

    UringServerDomainSocketChannelConfig(UringServerDomainSocketChannel channel) {
        super(channel);
        this.channel = channel;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_BACKLOG, ChannelOption.SO_RCVBUF);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_BACKLOG) {
            return (T) Integer.valueOf(getBacklog());
        }
        if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(getReceiveBufferSize());
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_BACKLOG) {
            setBacklog((Integer) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /** The accept backlog passed to {@code listen(2)}; takes effect at bind. */
    public int getBacklog() {
        return backlog;
    }

    public UringServerDomainSocketChannelConfig setBacklog(int backlog) {
        if (backlog < 0) {
            throw new IllegalArgumentException("backlog must not be negative: " + backlog);
        }
        this.backlog = backlog;
        return this;
    }

    public int getReceiveBufferSize() {
        return SocketOptions.getInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF);
    }

    public UringServerDomainSocketChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        SocketOptions.setInt(channel.socketFd(), LinuxSocket.SOL_SOCKET, LinuxSocket.SO_RCVBUF, receiveBufferSize);
        return this;
    }

    @Override
    protected void autoReadCleared() {
        channel.clearReadPending();
    }
}
