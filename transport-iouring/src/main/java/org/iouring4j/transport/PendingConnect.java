package org.iouring4j.transport;

import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * A channel's connect while its CONNECT is in the kernel: the promise, the peer asked for, and the connect
 * timeout, which fails the promise and closes the channel (cancelling the CONNECT) if the kernel takes too long.
 * Loop thread only.
 */
final class PendingConnect {
    private ChannelPromise promise;
    private SocketAddress remote;
    private Future<?> timeout;

    boolean isPending() {
        return promise != null;
    }

    /** A CONNECT to {@code remote} was submitted for {@code promise}; {@code onTimeout} runs if it takes too long. */
    void start(ChannelPromise promise, SocketAddress remote, EventLoop loop, int timeoutMillis, Runnable onTimeout) {
        this.promise = promise;
        this.remote = remote;
        if (timeoutMillis > 0) {
            timeout = loop.schedule(onTimeout, timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The peer the pending (or last) connect was for. */
    SocketAddress remote() {
        return remote;
    }

    /** Takes the promise of a connect that has ended (completed, timed out, closed); null if none is pending. */
    ChannelPromise finish() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        ChannelPromise ended = promise;
        promise = null;
        return ended;
    }

    /** Whether {@code future} is the pending connect's promise. */
    boolean isFor(Future<?> future) {
        return promise == future;
    }

    /** Fails a pending connect because the channel closed. */
    void closed() {
        ChannelPromise ended = finish();
        if (ended != null) {
            ended.tryFailure(new ClosedChannelException());
        }
    }

    /** A connect timeout as Netty reports one. */
    ConnectTimeoutException timedOut(int timeoutMillis) {
        return new ConnectTimeoutException("connection timed out after " + timeoutMillis + " ms: " + remote);
    }

    /** A connect failure as Java reports one: {@link ConnectException} or a subclass, naming op, errno and peer. */
    IOException failure(int res) {
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
}
