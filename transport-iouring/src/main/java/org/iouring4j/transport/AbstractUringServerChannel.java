package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ServerChannel;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A listening stream socket on io_uring (TCP or Unix domain).
 *
 * <p>Connections are accepted by ACCEPT SQEs: one multishot accept stays armed while auto-read is on (where the
 * kernel has it: {@link Uring#isMultishotAcceptEnabled()}), otherwise one accept per {@code read()}. Each
 * accepted connection becomes a child channel ({@link #newChildChannel}) passed down the pipeline (to
 * {@code ServerBootstrap}'s acceptor), and each batch of completions ends with one {@code channelReadComplete}, as
 * a read loop does on Netty's other transports. Running out of fds (EMFILE, ENFILE) is reported through the
 * pipeline and retried shortly after, so the server keeps serving once fds free up.
 */
abstract class AbstractUringServerChannel extends AbstractUringChannel implements ServerChannel {
    private static final Logger logger = LoggerFactory.getLogger(AbstractUringServerChannel.class);
    private static final int SOCK_CLOEXEC = 0x80000;
    /** Pause before accepting again after running out of fds or memory, so the loop does not spin. */
    private static final long ACCEPT_RETRY_DELAY_MILLIS = 10;

    private boolean acceptInFlight;
    private boolean multishotArmed;
    private boolean readRequested;
    private boolean retryScheduled;
    /** A channelReadComplete is due once the current batch of completions is dispatched. */
    private boolean readCompletePending;
    private final Runnable readComplete = this::readComplete;

    /** A new listening socket of {@code family}, bound when the channel binds. */
    AbstractUringServerChannel(SocketFamily family) {
        super(null, family.newSocket(LinuxSocket.SOCK_STREAM), family, false);
    }

    /** The channel for an accepted connection's fd. */
    abstract Channel newChildChannel(int fd) throws Exception;

    /** The listen(2) backlog. */
    abstract int backlog();

    @Override
    protected SocketAddress remoteAddress0() {
        return null;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new ServerUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        bindSocket(localAddress);
        LinuxSocket.listen(socketFd(), backlog());
        cacheLocalAddress();
        setActive(true);
    }

    @Override
    protected void doBeginRead() {
        readRequested = true;
        if (!acceptInFlight) {
            submitAccept();
        }
    }

    /** Called when auto-read is switched off: disarm a multishot accept so no further connection arrives. */
    final void clearReadPending() {
        if (!isRegistered() || eventLoop().inEventLoop()) {
            clearReadPending0();
        } else {
            eventLoop().execute(this::clearReadPending0);
        }
    }

    private void clearReadPending0() {
        readRequested = false;
        if (multishotArmed && isOpen()) {
            cancel(Opcode.ACCEPT, 0);
            multishotArmed = false;
        }
    }

    private void submitAccept() {
        if (!isOpen() || !isActive() || !isRegisteredWithHandler()) {
            return;
        }
        boolean multishot = Uring.MULTISHOT_ACCEPT && config().isAutoRead();
        // No address buffer: a multishot accept would overwrite one buffer for every connection, so
        // children learn their peer address lazily (getpeername) when asked.
        ops.clear().opcode(Opcode.ACCEPT).fd(socketFd()).opFlags(SOCK_CLOEXEC)
                .ioPrio(multishot ? IoUring.IORING_ACCEPT_MULTISHOT : 0);
        if (submit() != -1) {
            acceptInFlight = true;
            multishotArmed = multishot;
        }
    }

    private void acceptCompleted(UringIoEvent event) {
        if (!event.hasMore()) {
            acceptInFlight = false;
            multishotArmed = false;
        }
        int res = event.res();
        if (res >= 0) {
            accepted(res);
        } else if (res != -Errno.ECANCELED && isOpen()) {
            acceptFailed(event.toException());
            return;
        }
        if (!acceptInFlight && isOpen() && (readRequested || config().isAutoRead())) {
            submitAccept();
        }
    }

    private void accepted(int childFd) {
        if (!isOpen()) {
            closeQuietly(childFd);
            return;
        }
        Channel child;
        try {
            child = newChildChannel(childFd);
        } catch (Throwable t) {
            closeQuietly(childFd);
            pipeline().fireExceptionCaught(t);
            return;
        }
        readRequested = false;
        pipeline().fireChannelRead(child);
        if (!readCompletePending) {
            readCompletePending = true;
            handler().afterDispatch(readComplete);
        }
    }

    private void readComplete() {
        readCompletePending = false;
        pipeline().fireChannelReadComplete();
    }

    private void acceptFailed(NativeIoException cause) {
        int errno = cause.errno();
        if (errno == Errno.ECONNABORTED || errno == Errno.EAGAIN || errno == Errno.EINTR) {
            // The peer gave up before we accepted it: nothing to report, accept the next one.
            if (!acceptInFlight && (readRequested || config().isAutoRead())) {
                submitAccept();
            }
            return;
        }
        pipeline().fireExceptionCaught(cause);
        if (!acceptInFlight && !retryScheduled) {
            // Out of fds or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM): try again shortly, not in a tight loop.
            retryScheduled = true;
            eventLoop().schedule(() -> {
                retryScheduled = false;
                if (!acceptInFlight && isOpen() && (readRequested || config().isAutoRead())) {
                    submitAccept();
                }
            }, ACCEPT_RETRY_DELAY_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static void closeQuietly(int fd) {
        try {
            FileDescriptors.close(fd);
        } catch (NativeIoException e) {
            logger.debug("Failed to close accepted fd {}", fd, e);
        }
    }

    @Override
    boolean isWriteInFlight() {
        return false;
    }

    @Override
    void cancelWriteInFlight() {
        // A listening socket writes nothing.
    }

    @Override
    protected void doDisconnect() {
        throw new UnsupportedOperationException();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        throw new UnsupportedOperationException();
    }

    @Override
    protected Object filterOutboundMessage(Object msg) {
        throw new UnsupportedOperationException();
    }

    /** The server channel's handle in the loop: routes accept completions. */
    private final class ServerUnsafe extends AbstractUringUnsafe {
        @Override
        void completed(UringIoEvent event) {
            if (event.opcode() == Opcode.ACCEPT) {
                acceptCompleted(event);
            }
        }

        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            promise.setFailure(new UnsupportedOperationException("a server channel does not connect"));
        }
    }
}
