package org.iouring4j.transport;

import io.netty.channel.unix.DomainSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file a Unix socket's bind created: remembered at bind, removed when the channel closes, so the path can be
 * bound again (a bind over an existing file fails with EADDRINUSE). An abstract name leaves no file.
 */
final class UnixSocketFile {
    private static final Logger logger = LoggerFactory.getLogger(UnixSocketFile.class);

    /** Null before bind, after removal, and for an abstract name. */
    private volatile Path file;

    /** The socket was bound to {@code address}, a {@link DomainSocketAddress}. */
    void bound(SocketAddress address) {
        String path = ((DomainSocketAddress) address).path();
        if (!path.isEmpty() && path.charAt(0) != '\0') {
            file = Path.of(path);
        }
    }

    /** Removes the file, once; {@code owner} names the channel in the log if that fails. */
    void remove(Object owner) {
        Path file = this.file;
        if (file != null) {
            this.file = null;
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                logger.debug("Failed to remove the socket file {} of {}", file, owner, e);
            }
        }
    }
}
