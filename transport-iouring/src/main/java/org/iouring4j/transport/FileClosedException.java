package org.iouring4j.transport;

import java.nio.channels.ClosedChannelException;

/**
 * What an op on a closed {@link UringLoopFile} fails with: a {@link ClosedChannelException}, as a closed
 * {@code FileChannel} throws, whose message names the file.
 */
final class FileClosedException extends ClosedChannelException {
    private static final long serialVersionUID = 1L;
    private final String path;

    FileClosedException(String path) {
        this.path = path;
    }

    @Override
    public String getMessage() {
        return "file closed: " + path;
    }
}
