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
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
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
    /** The buffers of the read in flight, if any: handed on or released with its completion. */
    private final StreamReadBuffers readBuffers = new StreamReadBuffers();
    /** {@code read()} was asked for since the last delivered read (Netty's readPending). */
    private boolean readRequested;
    /** A read loop is under way: the next RECV continues it and must not wait for data. */
    private boolean inReadLoop;
    /**
     * The last read left the socket empty: the next read loop's first RECV arms its poll at once
     * ({@code IORING_RECVSEND_POLL_FIRST}) instead of first trying a receive that would only answer EAGAIN.
     */
    private boolean socketDrained;
    /** The POLLRDHUP watch is in the kernel. */
    private boolean rdHupArmed;
    /** The peer shut its output down (POLLRDHUP): read to the end even if nobody asked to read. */
    private boolean rdHupReceived;
    /**
     * A read returned the end of input (0) or failed: nothing more will come, so no read is armed again, even
     * while the channel stays open for a write in flight (a RECV at EOF would complete at once, every time).
     */
    private boolean inputEnded;
    /** Inside the pipeline callbacks of a read completion, where read() must not submit a second read. */
    private boolean processingRead;

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
        armRdHupPoll();
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
        armRdHupPoll();
        if (readRequested) {
            startReadIfIdle(); // auto-read resumes by itself: Netty calls read() on every registration
        }
        ((StreamUnsafe) unsafe()).writeMore();
    }

    /**
     * Watches for the peer shutting its output down, as epoll's EPOLLRDHUP does: with auto-read off and no
     * read asked for, nothing else would notice, and a half-closed or closed connection would go unreported.
     * One POLL_ADD per connection, completing once.
     */
    private void armRdHupPoll() {
        if (rdHupArmed || rdHupReceived || inputEnded || inputShutdown) {
            return;
        }
        ops.clear().opcode(Opcode.POLL_ADD).fd(socketFd()).opFlags(IoUring.POLLRDHUP);
        rdHupArmed = submit() != -1;
    }

    private void rdHupCompleted(int res) {
        rdHupArmed = false;
        if (res <= 0 || !isOpen() || inputShutdown) {
            return; // cancelled by close or a move, or already at end of input
        }
        rdHupReceived = true;
        startReadIfIdle();
    }

    @Override
    protected void doBeginRead() {
        readRequested = true;
        startReadIfIdle();
    }

    /** Starts a read unless one is in the kernel or a read completion is being handled (which starts the next). */
    private void startReadIfIdle() {
        if (readBuffers.isEmpty() && !processingRead) {
            startRead();
        }
    }

    /** Called when auto-read is switched off: an in-flight read still delivers what it gets, then reading stops. */
    final void clearReadPending() {
        if (!isRegistered() || eventLoop().inEventLoop()) {
            readRequested = false;
        } else {
            eventLoop().execute(() -> readRequested = false);
        }
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void startRead() {
        if (inputShutdown || inputEnded || !isActive() || !isRegisteredWithHandler()) {
            return;
        }
        // A read loop (Netty's unit ended by channelReadComplete) starts with a RECV that waits for data. While
        // the allocator's handle asks to go on (a full buffer: maybe more data), further RECVs carry
        // MSG_DONTWAIT: a drained socket answers -EAGAIN at once, as a non-blocking read would, and the loop ends.
        // A waiting RECV there could hold back channelReadComplete, and a response, indefinitely.
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        if (!inReadLoop) {
            allocHandle.reset(config());
            readBuffers.newReadLoop();
        }
        boolean readv = streamReadMode() == StreamReadMode.READV;
        int room = readBuffers.allocate(allocHandle, config(), readv);
        allocHandle.attemptedBytesRead(room);
        int dontWait = inReadLoop ? LinuxSocket.MSG_DONTWAIT : 0;
        long descriptorMsghdr = prepareDescriptorRead(readBuffers, room);
        if (descriptorMsghdr != 0) {
            // Passed fds travel as control data beside the bytes: a RECVMSG whose msghdr the subclass keeps.
            ops.clear().opcode(Opcode.RECVMSG).fd(socketFd()).address(descriptorMsghdr).length(1)
                    .opFlags(MessageSlots.MSG_CMSG_CLOEXEC | dontWait);
        } else if (readv) {
            long iovecs = readBuffers.writeIovecs(handler());
            if (iovecs == 0) {
                readBuffers.release();
                inReadLoop = false;
                pipeline().fireExceptionCaught(new NativeIoException("READV (no scratch memory)", -Errno.ENOMEM));
                return;
            }
            ops.clear().opcode(Opcode.READV).fd(socketFd()).address(iovecs).length(readBuffers.count())
                    .opFlags(inReadLoop ? IoUring.RWF_NOWAIT : 0);
        } else {
            ops.clear().opcode(Opcode.RECV).fd(socketFd()).address(readBuffers.firstAddress()).length(room)
                    .opFlags(dontWait)
                    .ioPrio(!inReadLoop && socketDrained && Uring.POLL_FIRST ? IoUring.IORING_RECVSEND_POLL_FIRST : 0);
        }
        if (submit() == -1) {
            readBuffers.release();
            inReadLoop = false;
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

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void readCompleted(int opcode, int res, int flags) {
        boolean descriptors = opcode == Opcode.RECVMSG;
        if (!isOpen() || res == -Errno.ECANCELED) {
            readBuffers.release();
            inReadLoop = false;
            if (descriptors) {
                descriptorsRead(false);
            }
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        boolean continueLoop = false;
        processingRead = true;
        try {
            // The kernel says whether data is still queued (TCP always knows; READV's completion does not say);
            // without that, filling every buffer is the only hint. A full read with the socket known empty ends
            // the read loop here, saving the read that would only have answered EAGAIN.
            boolean filledAll = res == allocHandle.attemptedBytesRead();
            boolean dataQueued = Uring.SOCK_NONEMPTY && opcode != Opcode.READV
                    ? (flags & IoUring.IORING_CQE_F_SOCK_NONEMPTY) != 0 : filledAll;
            socketDrained = !dataQueued;
            if (res > 0) {
                allocHandle.lastBytesRead(res);
                readRequested = false;
                if (descriptors) {
                    readBuffers.release(); // the bytes only carry the fds
                    allocHandle.incMessagesRead(1);
                    descriptorsRead(true);
                } else {
                    allocHandle.incMessagesRead(readBuffers.deliver(res, pipeline()));
                }
                continueLoop = isOpen() && !inputShutdown && dataQueued && allocHandle.continueReading();
            } else {
                readBuffers.release();
                allocHandle.lastBytesRead(res == -Errno.EAGAIN ? 0 : -1);
                inputEnded = res != -Errno.EAGAIN;
            }
            inReadLoop = continueLoop;
            if (!continueLoop) {
                allocHandle.readComplete();
                pipeline().fireChannelReadComplete();
            }
            if (res == 0) {
                shutdownInputAfterEof();
            } else if (res < 0 && res != -Errno.EAGAIN) {
                pipeline().fireExceptionCaught(new NativeIoException(Opcode.name(opcode), res));
                shutdownInputAfterEof();
            }
        } finally {
            processingRead = false;
        }
        if (isOpen() && (continueLoop || readRequested || rdHupReceived || config().isAutoRead())) {
            startRead();
        }
    }

    /** The peer closed (or reset) its side: half-close if allowed, else close, as Netty's transports do. */
    private void shutdownInputAfterEof() {
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
                    readCompleted(event.opcode(), event.res(), event.flags());
                    break;
                case Opcode.SEND:
                case Opcode.WRITEV:
                case Opcode.SENDMSG:
                case Opcode.SPLICE:
                    writes.completed(event.opcode(), event.res(), event.data());
                    break;
                case Opcode.POLL_ADD:
                    rdHupCompleted(event.res());
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
