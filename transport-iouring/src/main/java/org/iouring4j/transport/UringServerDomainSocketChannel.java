package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.ServerDomainSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A listening Unix domain stream socket on io_uring: the drop-in replacement for Netty's
 * {@code EpollServerDomainSocketChannel}. It binds a {@link DomainSocketAddress} (a file path, or an abstract name
 * starting with a NUL character); binding over an existing file fails with EADDRINUSE naming the path rather than
 * removing it, and the socket file it created is removed when it closes. Each connection becomes a
 * {@link UringDomainSocketChannel}.
 */
public final class UringServerDomainSocketChannel extends AbstractUringServerChannel
        implements ServerDomainSocketChannel {
    private static final Logger logger = LoggerFactory.getLogger(UringServerDomainSocketChannel.class);

    private final UringServerDomainSocketChannelConfig config;
    /** The file bind created, removed on close; null before bind and for an abstract name. */
    private volatile Path socketFile;

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
        String path = ((DomainSocketAddress) localAddress).path();
        if (!path.isEmpty() && path.charAt(0) != '\0') {
            socketFile = Path.of(path);
        }
    }

    @Override
    protected void doClose() throws Exception {
        try {
            super.doClose();
        } finally {
            Path file = socketFile;
            if (file != null) {
                socketFile = null;
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    logger.debug("Failed to remove the socket file {} of {}", file, this, e);
                }
            }
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
