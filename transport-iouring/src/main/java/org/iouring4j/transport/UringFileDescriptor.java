package org.iouring4j.transport;

import io.netty.channel.unix.FileDescriptor;
import org.iouring4j.ring.FileDescriptors;

import java.io.IOException;

/**
 * Netty's {@link FileDescriptor} for an fd iouring4j hands out: a channel's own socket ({@code channel.fd()}), or
 * one received from a peer over a Unix socket ({@code DomainSocketReadMode.FILE_DESCRIPTORS}).
 *
 * <p>{@link #intValue()}, {@link #isOpen()} and {@link #close()} work without Netty's JNI library, which this
 * transport never loads; Netty's read and write methods of the class need it and fail without it. A channel's own
 * fd cannot be closed here: the channel owns it, and closing it under the ops in flight would let a new socket
 * reuse the number; close the channel instead.
 */
public final class UringFileDescriptor extends FileDescriptor {
    private final AbstractUringChannel owner;

    private UringFileDescriptor(int fd, AbstractUringChannel owner) {
        super(fd);
        this.owner = owner;
    }

    /** A received fd: the caller owns it and closes it. */
    static UringFileDescriptor received(int fd) {
        return new UringFileDescriptor(fd, null);
    }

    /** The socket of {@code channel}, which keeps owning it. */
    static UringFileDescriptor of(AbstractUringChannel channel) {
        return new UringFileDescriptor(channel.socketFd(), channel);
    }

    @Override
    public boolean isOpen() {
        return owner != null ? owner.isOpen() : super.isOpen();
    }

    /**
     * Closes a received fd.
     *
     * @throws UnsupportedOperationException for a channel's own fd: close the channel
     */
    @Override
    public void close() throws IOException {
        if (owner != null) {
            throw new UnsupportedOperationException("the fd of " + owner + " belongs to the channel: close the channel");
        }
        if (markClosed()) {
            FileDescriptors.close(intValue());
        }
    }
}
