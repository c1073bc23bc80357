package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.unix.DomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.NativeIoException;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.SocketAddress;

/**
 * A Unix datagram socket ({@code AF_UNIX}, {@code SOCK_DGRAM}) on io_uring: the counterpart of Netty's
 * {@code EpollDomainDatagramChannel}, addressed by {@link DomainSocketAddress} (a file path, or an abstract name with
 * a leading NUL).
 *
 * <p>Receives and sends are those of {@link AbstractUringDatagramChannel}, UDP's too: a batch of RECVMSGs in the
 * kernel, ordered SENDMSGs, several in flight. Reads are {@link DomainDatagramPacket}s (the sender is null when the
 * peer's socket has no name); writes a {@link DomainDatagramPacket} to any address, or a {@code ByteBuf} on a
 * connected socket. A send to, or a connect to, a path where no socket is fails with {@link FileNotFoundException},
 * as on epoll. Unlike epoll, which closes the channel, a disconnect dissolves the association and keeps the socket;
 * and as {@link UringServerDomainSocketChannel} does, the channel removes the socket file its bind created when it
 * closes, so the path can be bound again. There is no {@code peerCredentials()}: Linux records none when a datagram
 * socket connects ({@code SO_PEERCRED} answers pid 0 there), so epoll's method reports nothing either.
 */
public final class UringDomainDatagramChannel extends AbstractUringDatagramChannel implements DomainDatagramChannel {
    private static final ChannelMetadata METADATA = new ChannelMetadata(true, 16);

    private final UringDomainDatagramChannelConfig config;
    private final UnixSocketFile socketFile = new UnixSocketFile();

    /** A new, unbound Unix datagram socket. */
    public UringDomainDatagramChannel() {
        super(SocketFamily.UNIX, 0);
        this.config = new UringDomainDatagramChannelConfig(this);
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public UringDomainDatagramChannelConfig config() {
        return config;
    }

    @Override
    DatagramReadSettings readSettings() {
        return config.readSettings();
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
    protected void doBind(SocketAddress localAddress) throws Exception {
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
    Object newPacket(ByteBuf content, MessageSlots slots, int slot) {
        return new DomainDatagramPacket(content, localAddress(), (DomainSocketAddress) family().read(slots.memory(),
                slots.nameOffset(slot), slots.nameLength(slot)));
    }

    /** No socket at the path: {@link FileNotFoundException}, as Netty's epoll transport reports it. */
    @Override
    IOException failure(NativeIoException cause) {
        if (cause.errno() != Errno.ENOENT) {
            return cause;
        }
        FileNotFoundException e = new FileNotFoundException(cause.getMessage());
        e.initCause(cause);
        return e;
    }

    @Override
    String expectedMessageTypes() {
        return "DomainDatagramPacket, AddressedEnvelope<ByteBuf, DomainSocketAddress>, ByteBuf";
    }
}
