package org.iouring4j.examples;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;

import java.util.Locale;

/**
 * The Netty transports the examples can run on, picked with {@code -Dtransport=NAME}: {@code iouring4j} (the
 * default), {@code nio}, {@code epoll}, or {@code netty-iouring} (Netty's own JNI io_uring transport).
 *
 * <p>Everything else in an example stays the same whichever is picked, which is what makes side-by-side
 * comparisons of the transports fair: this enum is the only place that names a transport's classes.
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
