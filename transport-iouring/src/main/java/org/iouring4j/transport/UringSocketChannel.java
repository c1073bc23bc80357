package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.Future;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SockAddr;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection on io_uring: the drop-in replacement for {@code NioSocketChannel} and
 * {@code EpollSocketChannel}. Reads, writes and half-closure are those of every stream channel
 * ({@link AbstractUringStreamChannel}); this class adds what is TCP: connecting (a CONNECT SQE with the
 * channel's connect timeout), the TCP options of {@link UringSocketChannelConfig}, and {@code SO_LINGER}.
 */
public final class UringSocketChannel extends AbstractUringStreamChannel implements SocketChannel {
    private final UringSocketChannelConfig config;

    private ChannelPromise connectPromise;
    private Future<?> connectTimeout;
    private InetSocketAddress requestedRemoteAddress;

    /** A new, unconnected TCP socket (IPv6 dual-stack where available). */
    public UringSocketChannel() {
        this(null, newSocket(preferIpv6()), preferIpv6(), false);
    }

    /** An accepted connection. */
    UringSocketChannel(UringServerSocketChannel parent, int fd, boolean ipv6) {
        this(parent, fd, ipv6, true);
    }

    private UringSocketChannel(Channel parent, int fd, boolean ipv6, boolean active) {
        super(parent, fd, ipv6, active);
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
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) super.remoteAddress();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new SocketUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        bindSocket(checkResolved(localAddress));
        cacheLocalAddress();
    }

    private static InetSocketAddress checkResolved(SocketAddress address) {
        InetSocketAddress inet = (InetSocketAddress) address;
        if (inet.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return inet;
    }

    @Override
    boolean lingersOnClose() {
        return config.lingersOnClose();
    }

    @Override
    protected void doClose() throws Exception {
        ChannelPromise promise = connectPromise;
        if (promise != null) {
            connectPromise = null;
            promise.tryFailure(new ClosedChannelException());
        }
        cancelConnectTimeout();
        super.doClose();
    }

    // ---- connect ----

    private void connectCompleted(int res) {
        cancelConnectTimeout();
        ChannelPromise promise = connectPromise;
        connectPromise = null;
        if (promise == null) {
            return; // timed out or closed meanwhile; the promise has been failed already
        }
        if (res == 0) {
            boolean wasActive = isActive();
            setActive(true);
            setRemoteAddress(requestedRemoteAddress);
            armRdHupPoll();
            try {
                cacheLocalAddress();
            } catch (NativeIoException e) {
                // Left to be looked up on first use: the channel is active, so localAddress0() will.
            }
            boolean promiseSet = promise.trySuccess();
            if (!wasActive) {
                pipeline().fireChannelActive();
            }
            if (!promiseSet) {
                unsafe().close(unsafe().voidPromise());
            }
        } else {
            promise.tryFailure(connectException(res, requestedRemoteAddress));
            ((SocketUnsafe) unsafe()).closeIfNoLongerOpen();
        }
    }

    /** A connect failure as Java reports one: {@link ConnectException} or a subclass, naming op, errno and peer. */
    private static IOException connectException(int res, InetSocketAddress remote) {
        NativeIoException cause = new NativeIoException(Opcode.name(Opcode.CONNECT), res);
        String message = cause.getMessage() + ": " + remote;
        IOException exception;
        if (res == -Errno.EHOSTUNREACH || res == -Errno.ENETUNREACH) {
            exception = new NoRouteToHostException(message);
        } else if (res == -Errno.ETIMEDOUT) {
            exception = new ConnectTimeoutException(message);
        } else {
            exception = new ConnectException(message);
        }
        exception.initCause(cause);
        return exception;
    }

    private void connectTimedOut(InetSocketAddress remote, int timeoutMillis) {
        ChannelPromise promise = connectPromise;
        if (promise != null && promise.tryFailure(
                new ConnectTimeoutException("connection timed out after " + timeoutMillis + " ms: " + remote))) {
            connectPromise = null;
            unsafe().close(unsafe().voidPromise()); // cancels the CONNECT still in the kernel
        }
    }

    private void cancelConnectTimeout() {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
    }

    /** The stream handle plus connecting. */
    private final class SocketUnsafe extends StreamUnsafe {
        @Override
        void completed(UringIoEvent event) {
            if (event.opcode() == Opcode.CONNECT) {
                connectCompleted(event.res());
            } else {
                super.completed(event);
            }
        }

        /** After a failed connect: Netty's closeIfClosed(), which the outer class cannot reach. */
        void closeIfNoLongerOpen() {
            closeIfClosed();
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            // The promise stays cancellable, as with Netty's NIO: cancelling it closes the channel, which
            // cancels the CONNECT in the kernel.
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            try {
                if (connectPromise != null) {
                    throw new ConnectionPendingException();
                }
                if (isActive()) {
                    throw new AlreadyConnectedException();
                }
                InetSocketAddress remote = checkResolved(remoteAddress);
                if (localAddress != null) {
                    doBind(localAddress);
                }
                int sockaddr = handler().reserveScratch(SockAddr.STORAGE_SIZE);
                if (sockaddr < 0) {
                    throw new NativeIoException("CONNECT (no scratch memory for its address)", -Errno.ENOMEM);
                }
                NativeMemory scratch = handler().scratchMemory();
                int length = SockAddr.write(scratch, sockaddr, remote, isIpv6());
                ops.clear().opcode(Opcode.CONNECT).fd(fd()).address(scratch.address() + sockaddr).offset(length);
                if (submit() == -1) {
                    throw new ClosedChannelException();
                }
                connectPromise = promise;
                requestedRemoteAddress = remote;
                int timeoutMillis = config.getConnectTimeoutMillis();
                if (timeoutMillis > 0) {
                    connectTimeout = eventLoop().schedule(() -> connectTimedOut(remote, timeoutMillis),
                            timeoutMillis, TimeUnit.MILLISECONDS);
                }
                promise.addListener(future -> {
                    if (future.isCancelled() && connectPromise == future) {
                        connectPromise = null;
                        cancelConnectTimeout();
                        close(voidPromise());
                    }
                });
            } catch (Throwable t) {
                closeIfClosed();
                promise.tryFailure(annotateConnectException(t, remoteAddress));
            }
        }
    }
}
