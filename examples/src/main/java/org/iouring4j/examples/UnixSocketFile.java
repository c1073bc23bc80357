package org.iouring4j.examples;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The file a Unix domain socket server binds. A server killed before it could close its channel leaves the file
 * behind, and binding the same path again then fails with EADDRINUSE; {@link #removeIfStale} clears such a
 * leftover, and only that.
 */
final class UnixSocketFile {
    /** {@code S_IFMT} and {@code S_IFSOCK} of {@code <sys/stat.h>}: the file-type bits of a mode, and a socket's. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private UnixSocketFile() {
    }

    /**
     * Removes {@code path} when it is a socket file that no server listens on any more. Anything else (no file, a
     * regular file, a socket with a live server behind it, an abstract name starting with NUL) is left alone, so
     * a mistyped path never deletes someone's file and binding it reports the conflict.
     */
    static void removeIfStale(String path) throws IOException {
        if (path.isEmpty() || path.charAt(0) == '\0') {
            return;
        }
        Path file = Path.of(path);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                || ((Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & S_IFMT) != S_IFSOCK) {
            return;
        }
        // A connection refused is the kernel saying that no one listens: the file outlived its server.
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(file));
        } catch (ConnectException e) {
            Files.deleteIfExists(file);
        }
    }
}
