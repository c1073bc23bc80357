package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.ServerDomainSocketChannel;


/**
 * A listening Unix domain stream socket on io_uring: the drop-in replacement for Netty's
 * {@code EpollServerDomainSocketChannel}. It binds a {@link DomainSocketAddress} (a file path, or an abstract name
 * starting with a NUL character); binding over an existing file fails with EADDRINUSE naming the path rather than
 * removing it, and the socket file it created is removed when it closes. Each connection becomes a
 * {@link UringDomainSocketChannel}.
 */
public final class UringServerDomainSocketChannel extends AbstractUringServerChannel
        implements ServerDomainSocketChannel {
    private final UringServerDomainSocketChannelConfig config;
    private final UnixSocketFile socketFile = new UnixSocketFile();

    /** A new listening Unix socket, bound when the channel binds. */
    public UringServerDomainSocketChannel() {
        super(SocketFamily.UNIX);
        this.config = new UringServerDomainSocketChannelConfig(this);
    }

    @Override
    public UringServerDomainSocketChannelConfig config() {
        return config;
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return null;
    }

    @Override
    protected void doBind(java.net.SocketAddress localAddress) throws Exception {
        super.doBind(localAddress);
        socketFile.bound(localAddress);
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            socketFile.remove(this);
        }
    }

    @Override
    Channel newChildChannel(int fd) {
        return new UringDomainSocketChannel(this, fd);
    }

    @Override
    int backlog() {
        return config.getBacklog();
    }
}
