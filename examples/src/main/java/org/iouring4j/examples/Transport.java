package org.iouring4j.examples;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.ServerDomainSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.iouring4j.transport.UringChannelOption;
import org.iouring4j.transport.UringDatagramChannel;
import org.iouring4j.transport.UringDomainSocketChannel;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerDomainSocketChannel;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;

import java.net.StandardSocketOptions;
import java.util.Locale;

/**
 * The Netty transports the examples can run on, picked with {@code -Dtransport=NAME}: {@code iouring4j} (the
 * default), {@code nio}, {@code epoll}, or {@code netty-iouring} (Netty's own JNI io_uring transport).
 *
 * <p>Everything else in an example stays the same whichever is picked, which is what makes side-by-side
 * comparisons of the transports fair: this enum is the only place that names a transport's classes: TCP, UDP and
 * Unix domain stream sockets (which NIO does not have).
 */
public enum Transport {
    IOURING4J("iouring4j") {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return UringIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return UringServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return UringSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return UringDatagramChannel.class;
        }

        @Override
        public Class<? extends ServerDomainSocketChannel> serverDomainSocketChannel() {
            return UringServerDomainSocketChannel.class;
        }

        @Override
        public Class<? extends DomainSocketChannel> domainSocketChannel() {
            return UringDomainSocketChannel.class;
        }

        @Override
        public ChannelOption<Boolean> reusePort() {
            return UringChannelOption.SO_REUSEPORT;
        }
    },
    NIO("nio") {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            return NioIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return NioServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return NioSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return NioDatagramChannel.class;
        }

        @Override
        public Class<? extends ServerDomainSocketChannel> serverDomainSocketChannel() {
            throw noDomainSockets();
        }

        @Override
        public Class<? extends DomainSocketChannel> domainSocketChannel() {
            throw noDomainSockets();
        }

        @Override
        public ChannelOption<Boolean> reusePort() {
            return NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT);
        }
    },
    EPOLL("epoll") {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            Epoll.ensureAvailability();
            return EpollIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return EpollServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return EpollSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return EpollDatagramChannel.class;
        }

        @Override
        public Class<? extends ServerDomainSocketChannel> serverDomainSocketChannel() {
            return EpollServerDomainSocketChannel.class;
        }

        @Override
        public Class<? extends DomainSocketChannel> domainSocketChannel() {
            return EpollDomainSocketChannel.class;
        }

        @Override
        public ChannelOption<Boolean> reusePort() {
            return EpollChannelOption.SO_REUSEPORT;
        }
    },
    NETTY_IOURING("netty-iouring") {
        @Override
        public IoHandlerFactory ioHandlerFactory() {
            IoUring.ensureAvailability();
            return IoUringIoHandler.newFactory();
        }

        @Override
        public Class<? extends ServerSocketChannel> serverChannel() {
            return IoUringServerSocketChannel.class;
        }

        @Override
        public Class<? extends SocketChannel> socketChannel() {
            return IoUringSocketChannel.class;
        }

        @Override
        public Class<? extends DatagramChannel> datagramChannel() {
            return IoUringDatagramChannel.class;
        }

        @Override
        public Class<? extends ServerDomainSocketChannel> serverDomainSocketChannel() {
            return IoUringServerDomainSocketChannel.class;
        }

        @Override
        public Class<? extends DomainSocketChannel> domainSocketChannel() {
            return IoUringDomainSocketChannel.class;
        }

        @Override
        public ChannelOption<Boolean> reusePort() {
            return IoUringChannelOption.SO_REUSEPORT;
        }
    };

    private final String id;

    Transport(String id) {
        this.id = id;
    }

    /** The name {@code -Dtransport} takes. */
    public String id() {
        return id;
    }

    /**
     * The event loop's engine, for {@code new MultiThreadIoEventLoopGroup(threads, factory)}.
     *
     * @throws UnsatisfiedLinkError when the transport cannot run on this machine, with the reason
     */
    public abstract IoHandlerFactory ioHandlerFactory();

    /** The listening socket's channel class. */
    public abstract Class<? extends ServerSocketChannel> serverChannel();

    /** The connection's channel class. */
    public abstract Class<? extends SocketChannel> socketChannel();

    /** The UDP socket's channel class. */
    public abstract Class<? extends DatagramChannel> datagramChannel();

    /**
     * The listening Unix domain stream socket's channel class, bound to a {@link DomainSocketAddress}.
     *
     * @throws UnsupportedOperationException on {@link #NIO}, which has no such channel
     */
    public abstract Class<? extends ServerDomainSocketChannel> serverDomainSocketChannel();

    /**
     * The Unix domain stream connection's channel class, connecting to a {@link DomainSocketAddress}.
     *
     * @throws UnsupportedOperationException on {@link #NIO}, which has no such channel
     */
    public abstract Class<? extends DomainSocketChannel> domainSocketChannel();

    /**
     * The transport's own {@code SO_REUSEPORT} option: Netty's {@link ChannelOption} has none, so each transport
     * names it in its own class.
     */
    public abstract ChannelOption<Boolean> reusePort();

    /**
     * Netty 4.2's NIO transport reaches Unix sockets only through the JDK's own {@code UnixDomainSocketAddress},
     * not through Netty's {@link DomainSocketAddress} that the other three share, so it has no channel to name.
     */
    private static UnsupportedOperationException noDomainSockets() {
        return new UnsupportedOperationException("Netty's NIO transport has no Unix-socket channel for "
                + DomainSocketAddress.class.getName() + ": use -Dtransport=iouring4j, epoll or netty-iouring");
    }

    /** The transport named by {@code -Dtransport}, {@link #IOURING4J} when unset. */
    public static Transport fromSystemProperty() {
        return of(System.getProperty("transport", IOURING4J.id));
    }

    /** The transport with this {@link #id()}. */
    public static Transport of(String id) {
        String wanted = id.trim().toLowerCase(Locale.ROOT);
        for (Transport t : values()) {
            if (t.id.equals(wanted)) {
                return t;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Transport t : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(t.id);
        }
        throw new IllegalArgumentException("unknown transport '" + id + "'; one of: " + known);
    }
}
