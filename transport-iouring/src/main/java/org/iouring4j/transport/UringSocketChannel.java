package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.TcpInfo;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * A TCP connection on io_uring: the drop-in replacement for {@code NioSocketChannel} and
 * {@code EpollSocketChannel}. Reads, writes and half-closure are those of every stream channel
 * ({@link AbstractUringStreamChannel}), connecting that of every channel ({@link AbstractUringChannel}); this
 * class adds what is TCP: the options of {@link UringSocketChannelConfig}, {@code SO_LINGER}, and the kernel's
 * view of the connection ({@link #tcpInfo()}).
 */
public final class UringSocketChannel extends AbstractUringStreamChannel implements SocketChannel {
    private final UringSocketChannelConfig config;

    /** A new, unconnected TCP socket (IPv6 dual-stack where available). */
    public UringSocketChannel() {
        this(null, SocketFamily.ip().newSocket(LinuxSocket.SOCK_STREAM), SocketFamily.ip(), false);
    }

    /** An accepted connection. */
    UringSocketChannel(UringServerSocketChannel parent, int fd, SocketFamily family) {
        this(parent, fd, family, true);
    }

    private UringSocketChannel(Channel parent, int fd, SocketFamily family, boolean active) {
        super(parent, fd, family, active);
        this.config = new UringSocketChannelConfig(this);
    }

    @Override
    public ServerSocketChannel parent() {
        return (ServerSocketChannel) super.parent();
    }

    @Override
    public UringSocketChannelConfig config() {
        return config;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    /**
     * The kernel's view of this connection now ({@code TCP_INFO}: state, round-trip time, congestion window,
     * bytes acknowledged, ...), as Netty's epoll channel gives it. One {@code getsockopt}, callable from any thread.
     *
     * @throws ChannelException when the channel is closed, or the kernel refuses
     */
    public TcpInfo tcpInfo() {
        return tcpInfo(new TcpInfo());
    }

    /**
     * {@link #tcpInfo()} into an existing snapshot, overwritten, so that polling allocates nothing.
     *
     * @return {@code into}
     */
    public TcpInfo tcpInfo(TcpInfo into) {
        // A closed channel's fd number may already belong to another socket: never read it.
        if (!isOpen()) {
            throw new ChannelException("tcpInfo() of a closed channel: " + this);
        }
        return SocketOptions.getTcpInfo(socketFd(), into);
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
    StreamReadMode streamReadMode() {
        return config.getStreamReadMode();
    }

    @Override
    int sendZcThreshold() {
        return config.getSendZcThreshold();
    }

    @Override
    boolean lingersOnClose() {
        return config.lingersOnClose();
    }
}
