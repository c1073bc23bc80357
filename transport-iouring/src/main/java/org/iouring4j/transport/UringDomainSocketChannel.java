package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.PeerCredentials;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;

/**
 * A Unix domain stream connection on io_uring: the drop-in replacement for Netty's {@code EpollDomainSocketChannel}.
 * Reads, writes, file regions and half-closure are those of every stream channel ({@link AbstractUringStreamChannel}),
 * connecting that of every channel; this class adds the {@link DomainSocketAddress}, the peer's credentials, and
 * passing fds (SCM_RIGHTS): writing a {@link FileDescriptor} sends it, and in
 * {@link DomainSocketReadMode#FILE_DESCRIPTORS} reads deliver the fds the peer sent as {@link UringFileDescriptor}s,
 * which the reader owns and closes.
 */
public final class UringDomainSocketChannel extends AbstractUringStreamChannel implements DomainSocketChannel {
    /** Most fds one message may carry; more are closed by the kernel and the read fails with MSG_CTRUNC. */
    private static final int MAX_FDS_PER_MESSAGE = 16;
    /** One read and one write in flight at most: a slot each, kept for the channel's life. */
    private static final int READ_SLOT = 0;
    private static final int WRITE_SLOT = 1;

    private final UringDomainSocketChannelConfig config;
    /** The msghdrs of fd reads and writes, made on first use (most channels never pass an fd). */
    private MessageSlots messages;
    /** The one data byte an fd travels with (a message must carry at least one). */
    private NativeMemory messageByte;

    /** A new, unconnected Unix stream socket. */
    public UringDomainSocketChannel() {
        this(null, SocketFamily.UNIX.newSocket(LinuxSocket.SOCK_STREAM), false);
    }

    /** An accepted connection. */
    UringDomainSocketChannel(UringServerDomainSocketChannel parent, int fd) {
        this(parent, fd, true);
    }

    private UringDomainSocketChannel(Channel parent, int fd, boolean active) {
        super(parent, fd, SocketFamily.UNIX, active);
        this.config = new UringDomainSocketChannelConfig(this);
    }

    @Override
    public UringDomainSocketChannelConfig config() {
        return config;
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return (DomainSocketAddress) super.remoteAddress();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        bindSocket(localAddress);
        cacheLocalAddress();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        return msg instanceof FileDescriptor ? msg : super.filterOutboundMessage(msg);
    }

    private MessageSlots messages() {
        if (messages == null) {
            messages = new MessageSlots(2, MessageSlots.controlSpace(MAX_FDS_PER_MESSAGE * Integer.BYTES));
            messageByte = NativeMemory.allocate(Long.BYTES);
            messages.acquire(); // READ_SLOT
            messages.acquire(); // WRITE_SLOT
        }
        return messages;
    }

    /** Passed fds come with a RECVMSG into one buffer, whatever the stream read mode. */
    @Override
    StreamReadMode streamReadMode() {
        return config.getReadMode() == DomainSocketReadMode.FILE_DESCRIPTORS ? StreamReadMode.RECV
                : config.getStreamReadMode();
    }

    @Override
    int sendZcThreshold() {
        return config.getSendZcThreshold();
    }

    @Override
    long prepareDescriptorRead(StreamReadBuffers buffers, int length) {
        if (config.getReadMode() != DomainSocketReadMode.FILE_DESCRIPTORS) {
            return 0;
        }
        MessageSlots slots = messages();
        slots.prepareReceive(READ_SLOT, buffers.firstAddress(), length);
        return slots.msghdrAddress(READ_SLOT);
    }

    @Override
    void descriptorsRead(boolean deliver) {
        for (int fd : messages.receivedFds(READ_SLOT)) {
            if (deliver) {
                pipeline().fireChannelRead(UringFileDescriptor.received(fd));
            } else {
                closeQuietly(fd); // arrived while the channel closed: nobody will take it
            }
        }
    }

    /** A {@link FileDescriptor} goes as SCM_RIGHTS control data on a one-byte SENDMSG. */
    @Override
    boolean submitMessage(Object msg) throws Exception {
        if (!(msg instanceof FileDescriptor)) {
            return false;
        }
        MessageSlots slots = messages();
        slots.prepareSend(WRITE_SLOT, messageByte.address(), 1, 0);
        slots.putControlInts(WRITE_SLOT, LinuxSocket.SOL_SOCKET, MessageSlots.SCM_RIGHTS,
                ((FileDescriptor) msg).intValue());
        ops.clear().opcode(Opcode.SENDMSG).fd(socketFd()).address(slots.msghdrAddress(WRITE_SLOT)).length(1)
                .opFlags(LinuxSocket.MSG_NOSIGNAL).data(StreamWrites.DATA_MESSAGE);
        if (!submitWrite()) {
            throw new ClosedChannelException();
        }
        return true;
    }

    @Override
    void fdClosed() {
        super.fdClosed();
        if (messages != null) {
            messages.close();
            messageByte.close();
        }
    }

    private static void closeQuietly(int fd) {
        try {
            FileDescriptors.close(fd);
        } catch (NativeIoException e) {
            // A received fd we could not close: nothing else refers to it.
        }
    }

    /**
     * The credentials of the process at the other end, as the kernel recorded them when the connection was made
     * ({@code SO_PEERCRED}).
     */
    public PeerCredentials peerCredentials() throws IOException {
        return UnixPeerCredentials.of(socketFd());
    }
}
