package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.socket.ServerSocketChannel;

import java.net.InetSocketAddress;

/**
 * A listening TCP socket on io_uring: the drop-in replacement for {@code NioServerSocketChannel} and
 * {@code EpollServerSocketChannel}. Accepting is that of every listening channel ({@link AbstractUringServerChannel});
 * each connection becomes a {@link UringSocketChannel}.
 */
public final class UringServerSocketChannel extends AbstractUringServerChannel implements ServerSocketChannel {
    private final UringServerSocketChannelConfig config;

    /** A new listening socket (IPv6 dual-stack where available), bound when the channel binds. */
    public UringServerSocketChannel() {
        super(SocketFamily.ip());
        this.config = new UringServerSocketChannelConfig(this);
    }

    @Override
    public UringServerSocketChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return null;
    }

    @Override
    Channel newChildChannel(int fd) {
        return new UringSocketChannel(this, fd, family());
    }

    @Override
    int backlog() {
        return config.getBacklog();
    }
}
