package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.DuplexChannelConfig;
import io.netty.util.internal.StringUtil;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;

/**
 * A connected stream socket on io_uring: reads, writes and half-closure, shared by the stream channels.
 *
 * <p>Reads are RECV SQEs into pooled direct buffers sized by the channel's {@link RecvByteBufAllocator}, or READV
 * scatter reads into several ({@link StreamReadMode}, {@link StreamReadBuffers}); with auto-read on, one read is
 * always in flight. Writes are WRITEV SQEs gathering the flushed buffers of the
 * {@link ChannelOutboundBuffer}, or a SEND when there is one buffer to write, one write in flight
 * ({@link StreamWrites}).
 *
 * <p>Why RECV and SEND for single buffers rather than a one-iovec READV/WRITEV: they go straight to
 * {@code sock_recvmsg}/{@code sock_sendmsg}, while the vectored ops copy the iovec in at prep and pass through
 * the VFS read/write path (file position, access checks, {@code sock_read_iter}) for every op. On small messages
 * that was ~4% of the server's CPU in the 64-connection echo profile ({@code SocketOpBenchmark} isolates it).
 */
abstract class AbstractUringStreamChannel extends AbstractUringChannel implements DuplexChannel {
    /** The read side: RECV, READV or a multishot RECV, and the watch for the peer's end of input. */
    private final StreamReads reads = new StreamReads(this);
    /** The write side: one write in the kernel at a time. */
    private final StreamWrites writes = new StreamWrites(this);

    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

    AbstractUringStreamChannel(Channel parent, int fd, SocketFamily family, boolean active) {
        super(parent, fd, family, active);
    }

    @Override
    public abstract DuplexChannelConfig config();

    /** The op reads become, as the channel's config says. */
    abstract StreamReadMode streamReadMode();

    /** The size from which writes go zero copy, as the channel's config says ({@link ZeroCopySends#OFF}: never). */
    abstract int sendZcThreshold();

    @Override
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        writes.keepBuffersOfWriteInFlight(); // Netty releases the flushed buffers right after this
        super.doClose();
    }

    @Override
    void fdClosed() {
        writes.closed();
    }

    @Override
    boolean isWriteInFlight() {
        return writes.isInFlight();
    }

    @Override
    void cancelWriteInFlight() {
        writes.cancel();
    }

    /** A connected socket watches for the peer's end of input, as an accepted one does. */
    @Override
    void connected() {
        reads.watchPeerShutdown();
    }

    // ---- reads ----

    /**
     * An accepted connection starts watching for the peer's end of input; one that moved from another loop
     * resumes what the move cancelled: that watch, a read asked for, and the writes waiting to go.
     */
    @Override
    void registered() {
        if (!isActive()) {
            return;
        }
        reads.resume();
        ((StreamUnsafe) unsafe()).writeMore();
    }

    @Override
    protected void doBeginRead() {
        reads.requested();
    }

    /**
     * Called when auto-read is switched off: an in-flight read still delivers what it gets, then reading stops. A
     * multishot receive is cancelled; what it received before the cancel took effect is still delivered.
     */
    final void clearReadPending() {
        if (!isRegistered() || eventLoop().inEventLoop()) {
            reads.autoReadCleared();
        } else {
            eventLoop().execute(reads::autoReadCleared);
        }
    }

    /**
     * When reads deliver the fds a peer passes (SCM_RIGHTS) rather than bytes (a Unix socket in
     * {@code DomainSocketReadMode.FILE_DESCRIPTORS}): prepares the msghdr of such a read into {@code length} bytes
     * of {@code buffers}' first buffer and returns its address; 0 when the channel reads bytes.
     */
    long prepareDescriptorRead(StreamReadBuffers buffers, int length) {
        return 0;
    }

    /** A read of passed fds completed: fires each (or, when {@code deliver} is false, closes each). */
    void descriptorsRead(boolean deliver) {
        throw new UnsupportedOperationException();
    }

    /** Submits a write of a message other than bytes or a file region; false if this channel writes no such thing. */
    boolean submitMessage(Object msg) throws Exception {
        return false;
    }

    /** The peer closed (or reset) its side: half-close if allowed, else close, as Netty's transports do. */
    void shutdownInputAfterEof() {
        if (!isOpen()) {
            return;
        }
        if (inputShutdown) {
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
            return;
        }
        if (!config().isAllowHalfClosure()) {
            if (writes.isInFlight()) {
                writes.closeWhenDone(); // the write's result decides: ECONNRESET fails it, else a clean close
            } else {
                unsafe().close(unsafe().voidPromise());
            }
            return;
        }
        inputShutdown = true;
        try {
            LinuxSocket.shutdown(socketFd(), LinuxSocket.SHUT_RD);
        } catch (NativeIoException ignored) {
            // Already shut down by the peer's reset: the input is closed either way.
        }
        pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
    }

    // ---- writes ----

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return DirectBuffers.direct(alloc(), (ByteBuf) msg);
        }
        if (msg instanceof FileRegion) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected: ByteBuf, FileRegion)");
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        writes.write(in);
    }

    /** Zero-copy sends that completed on this channel (loop thread): for tests. */
    final long zeroCopySendsCompleted() {
        return writes.zeroCopySendsCompleted();
    }

    /** Submits the write {@link #ops} describes (a {@link #submitMessage}) as the one write in flight. */
    final boolean submitWrite() {
        return writes.submit();
    }

    // ---- shutdown ----

    /** Shutting down needs a connection: the errors Java's own sockets give otherwise. */
    private void checkConnected() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
        if (!isActive()) {
            throw new NotYetConnectedException();
        }
    }

    @Override
    protected void doShutdownOutput() throws Exception {
        checkConnected();
        writes.keepBuffersOfWriteInFlight(); // Netty fails and releases the flushed buffers next
        LinuxSocket.shutdown(socketFd(), LinuxSocket.SHUT_WR);
        outputShutdown = true;
    }

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !isActive();
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !isActive();
    }

    @Override
    public boolean isShutdown() {
        return (inputShutdown && outputShutdown) || !isActive();
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        runInLoop(() -> {
            try {
                checkConnected();
                LinuxSocket.shutdown(socketFd(), LinuxSocket.SHUT_RD);
                inputShutdown = true;
                promise.setSuccess();
            } catch (IOException | RuntimeException e) {
                promise.setFailure(e);
            }
        });
        return promise;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        runInLoop(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
        return promise;
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    /** Shuts output then input down; fails with the first failure, if any. */
    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        shutdownOutput().addListener(output -> shutdownInput().addListener(input -> {
            Throwable cause = output.cause() != null ? output.cause() : input.cause();
            if (cause != null) {
                promise.setFailure(cause);
            } else {
                promise.setSuccess();
            }
        }));
        return promise;
    }

    /** This channel's handle in the loop: routes its completions, continues writes. */
    class StreamUnsafe extends AbstractUringUnsafe {
        @Override
        void completed(UringIoEvent event) {
            switch (event.opcode()) {
                case Opcode.RECV:
                case Opcode.RECVMSG:
                case Opcode.READV:
                case Opcode.POLL_ADD:
                    reads.completed(event);
                    break;
                case Opcode.SEND:
                case Opcode.WRITEV:
                case Opcode.SENDMSG:
                case Opcode.SPLICE:
                    writes.completed(event.opcode(), event.res(), event.data());
                    break;
                case Opcode.SEND_ZC:
                    writes.zeroCopyCompleted(event.res(), event.flags(), event.data());
                    break;
                default:
                    break;
            }
        }

        /** Continues with what is left in the outbound buffer after a write completed. */
        final void writeMore() {
            flush0();
        }

        final void writeFailed(Throwable cause) {
            handleWriteError(cause);
        }
    }
}
