package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;

/**
 * The read side of a stream channel: what {@code read()} and auto-read turn into, and what a read's completion
 * delivers. With auto-read on, a read is always in the kernel:
 * <ul>
 * <li>{@link StreamReadMode#RECV}: a RECV into one buffer the channel's {@link RecvByteBufAllocator} sizes; a read
 *     loop (Netty's unit ended by {@code channelReadComplete}) goes on while the kernel says data is queued;</li>
 * <li>{@link StreamReadMode#READV}: READV scatter reads into several such buffers ({@link StreamReadBuffers});</li>
 * <li>{@link StreamReadMode#MULTISHOT}: one multishot RECV, armed while auto-read is on, into the loop's
 *     {@link ProvidedBuffers}.</li>
 * </ul>
 * A POLLRDHUP watch notices the peer's end of input when nobody reads. Loop thread only.
 */
final class StreamReads {
    /** Data tag of a receive into the loop's provided buffers ({@link StreamReadMode#MULTISHOT}). */
    private static final int DATA_PROVIDED = 1;

    private final AbstractUringStreamChannel channel;

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
    /** A multishot receive into the loop's provided buffers is in the kernel. */
    private boolean providedReadArmed;
    /** Auto-read went off and the multishot receive was cancelled: its last completion may start a single read. */
    private boolean providedReadCancelled;
    /** Provided-buffer receives delivered since the last {@code channelReadComplete}. */
    private int providedReadsInBatch;

    StreamReads(AbstractUringStreamChannel channel) {
        this.channel = channel;
    }

    /** {@code read()} was asked for (Netty's {@code doBeginRead}). */
    void requested() {
        readRequested = true;
        startIfIdle();
    }

    /** Registered with a loop: resumes what a move cancelled (the watch, and a read asked for). */
    void resume() {
        watchPeerShutdown();
        if (readRequested) {
            startIfIdle(); // auto-read resumes by itself: Netty calls read() on every registration
        }
    }

    /** A completion of one of the read side's ops: a read, or the POLLRDHUP watch. */
    void completed(UringIoEvent event) {
        if (event.opcode() == Opcode.POLL_ADD) {
            rdHupCompleted(event.res());
        } else if (event.opcode() == Opcode.RECV && event.data() == DATA_PROVIDED) {
            providedReadCompleted(event);
        } else {
            readCompleted(event.opcode(), event.res(), event.flags());
        }
    }

    /**
     * Watches for the peer shutting its output down, as epoll's EPOLLRDHUP does: with auto-read off and no
     * read asked for, nothing else would notice, and a half-closed or closed connection would go unreported.
     * One POLL_ADD per connection, completing once.
     */
    void watchPeerShutdown() {
        if (rdHupArmed || rdHupReceived || inputEnded || channel.isInputShutdown()) {
            return;
        }
        channel.ops.clear().opcode(Opcode.POLL_ADD).fd(channel.socketFd()).opFlags(IoUring.POLLRDHUP);
        rdHupArmed = channel.submit() != -1;
    }

    private void rdHupCompleted(int res) {
        rdHupArmed = false;
        if (res <= 0 || !channel.isOpen() || channel.isInputShutdown()) {
            return; // cancelled by close or a move, or already at end of input
        }
        rdHupReceived = true;
        startIfIdle();
    }

    /** Starts a read unless one is in the kernel or a read completion is being handled (which starts the next). */
    private void startIfIdle() {
        if (readBuffers.isEmpty() && !providedReadArmed && !processingRead) {
            startRead();
        }
    }

    /** Auto-read was switched off (loop thread): see {@code clearReadPending()} of the channel. */
    void autoReadCleared() {
        readRequested = false;
        if (providedReadArmed && !providedReadCancelled && !channel.config().isAutoRead()) {
            providedReadCancelled = true;
            channel.cancel(Opcode.RECV, DATA_PROVIDED);
        }
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void startRead() {
        if (inputEnded || providedReadArmed || channel.isInputShutdown() || !channel.isRegisteredWithHandler()) {
            return;
        }
        boolean multishot = channel.streamReadMode() == StreamReadMode.MULTISHOT && Uring.BUFFER_RING;
        if (multishot && channel.config().isAutoRead() && !inReadLoop) {
            ProvidedBuffers provided = channel.handler().providedBuffers();
            if (provided != null && provided.hasBuffers()) {
                startProvidedRead();
                return;
            }
        }
        // A read loop (Netty's unit ended by channelReadComplete) starts with a RECV that waits for data. While
        // the allocator's handle asks to go on (a full buffer: maybe more data), further RECVs carry
        // MSG_DONTWAIT: a drained socket answers -EAGAIN at once, as a non-blocking read would, and the loop ends.
        // A waiting RECV there could hold back channelReadComplete, and a response, indefinitely.
        RecvByteBufAllocator.Handle allocHandle = channel.unsafe().recvBufAllocHandle();
        if (!inReadLoop) {
            allocHandle.reset(channel.config());
            readBuffers.newReadLoop();
        }
        boolean readv = channel.streamReadMode() == StreamReadMode.READV;
        int room = readBuffers.allocate(allocHandle, channel.config(), readv);
        allocHandle.attemptedBytesRead(room);
        int dontWait = inReadLoop ? LinuxSocket.MSG_DONTWAIT : 0;
        UringIoOps ops = channel.ops;
        long descriptorMsghdr = channel.prepareDescriptorRead(readBuffers, room);
        if (descriptorMsghdr != 0) {
            // Passed fds travel as control data beside the bytes: a RECVMSG whose msghdr the subclass keeps.
            ops.clear().opcode(Opcode.RECVMSG).fd(channel.socketFd()).address(descriptorMsghdr).length(1)
                    .opFlags(MessageSlots.MSG_CMSG_CLOEXEC | dontWait);
        } else if (readv) {
            long iovecs = readBuffers.writeIovecs(channel.handler());
            if (iovecs == 0) {
                readBuffers.release();
                inReadLoop = false;
                channel.pipeline().fireExceptionCaught(
                        new NativeIoException("READV (no scratch memory)", -Errno.ENOMEM));
                return;
            }
            ops.clear().opcode(Opcode.READV).fd(channel.socketFd()).address(iovecs).length(readBuffers.count())
                    .opFlags(inReadLoop ? IoUring.RWF_NOWAIT : 0);
        } else {
            ops.clear().opcode(Opcode.RECV).fd(channel.socketFd()).address(readBuffers.firstAddress()).length(room)
                    .opFlags(dontWait)
                    .ioPrio(!inReadLoop && socketDrained && Uring.POLL_FIRST ? IoUring.IORING_RECVSEND_POLL_FIRST : 0);
        }
        if (channel.submit() == -1) {
            readBuffers.release();
            inReadLoop = false;
        }
    }

    /**
     * Arms a multishot receive into the loop's provided buffers, while auto-read is on: it stays armed across reads
     * (no SQE per read), and the kernel picks a buffer only when data arrives, so an idle connection holds none.
     * With auto-read off, {@code read()}s are RECVs into the allocator's buffers, as in {@link StreamReadMode#RECV}:
     * one read per {@code read()}, sized as the channel's {@link RecvByteBufAllocator} says.
     */
    private void startProvidedRead() {
        channel.ops.clear().opcode(Opcode.RECV).fd(channel.socketFd()).sqeFlags(IoUring.IOSQE_BUFFER_SELECT)
                .bufIndex(ProvidedBuffers.GROUP_ID).ioPrio(IoUring.IORING_RECV_MULTISHOT).data(DATA_PROVIDED);
        providedReadArmed = channel.submit() != -1;
        providedReadCancelled = false;
    }

    /**
     * A provided-buffer receive completed: its buffer (taken out of the loop's ring) goes down the pipeline.
     * {@code channelReadComplete} ends a batch when the socket is drained (the kernel says so), after the allocator's
     * messages per read, or when the receive ends. The receive ends without {@code IORING_CQE_F_MORE}: at end of
     * input, on an error, cancelled, or when the ring ran dry (ENOBUFS; re-armed, nothing is lost: the data waits in
     * the socket).
     */
    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void providedReadCompleted(UringIoEvent event) {
        ByteBuf buf = event.takeProvidedBuffer();
        int res = event.res();
        boolean more = event.hasMore();
        if (!more) {
            providedReadArmed = false;
        }
        boolean cancelled = res == -Errno.ECANCELED;
        if (!channel.isOpen() || cancelled) {
            if (buf != null) {
                buf.release();
            }
            if (channel.isOpen() && !more && providedReadCancelled) {
                endProvidedReadBatch(); // auto-read went off: what was read so far is complete
                providedReadCancelled = false;
                if (readRequested || channel.config().isAutoRead()) {
                    startRead();
                }
            }
            return; // otherwise closed, or moving to another loop (whose registration resumes reading)
        }
        RecvByteBufAllocator.Handle allocHandle = channel.unsafe().recvBufAllocHandle();
        processingRead = true;
        try {
            if (res > 0) {
                if (providedReadsInBatch++ == 0) {
                    allocHandle.reset(channel.config());
                }
                // The room the receive had: to the buffer's end (a slice of an incremental buffer ends at its bytes).
                allocHandle.attemptedBytesRead(buf.capacity() - buf.readerIndex());
                allocHandle.lastBytesRead(res);
                allocHandle.incMessagesRead(1);
                readRequested = false;
                // Without SOCK_NONEMPTY, a receive that filled its buffer hints that more is queued; one that left
                // room in an incremental buffer (BUF_MORE) took all there was.
                boolean dataQueued = Uring.SOCK_NONEMPTY ? (event.flags() & IoUring.IORING_CQE_F_SOCK_NONEMPTY) != 0
                        : (event.flags() & IoUring.IORING_CQE_F_BUF_MORE) == 0 && buf.writerIndex() == buf.capacity();
                channel.pipeline().fireChannelRead(buf);
                if (!dataQueued || !more || providedReadsInBatch >= maxMessagesPerRead()) {
                    endProvidedReadBatch();
                }
            } else {
                if (buf != null) {
                    buf.release();
                }
                if (res == -Errno.ENOBUFS) {
                    channel.handler().providedBuffers().exhausted();
                    endProvidedReadBatch();
                } else {
                    if (providedReadsInBatch == 0) {
                        allocHandle.reset(channel.config());
                    }
                    allocHandle.lastBytesRead(-1);
                    providedReadsInBatch = 1; // end of input completes a read, even an empty one (as NIO's does)
                    endProvidedReadBatch();
                    inputEnded = true;
                    if (res < 0) {
                        channel.pipeline().fireExceptionCaught(new NativeIoException(Opcode.name(Opcode.RECV), res));
                    }
                    channel.shutdownInputAfterEof();
                }
            }
        } finally {
            processingRead = false;
        }
        if (!more && channel.isOpen() && (readRequested || rdHupReceived || channel.config().isAutoRead())) {
            startRead();
        }
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void endProvidedReadBatch() {
        if (providedReadsInBatch == 0) {
            return;
        }
        providedReadsInBatch = 0;
        channel.unsafe().recvBufAllocHandle().readComplete();
        channel.pipeline().fireChannelReadComplete();
    }

    /** The messages per read the channel's allocator allows, bounding one {@code channelReadComplete} batch. */
    private int maxMessagesPerRead() {
        RecvByteBufAllocator allocator = channel.config().getRecvByteBufAllocator();
        return allocator instanceof MaxMessagesRecvByteBufAllocator
                ? ((MaxMessagesRecvByteBufAllocator) allocator).maxMessagesPerRead() : 16;
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void readCompleted(int opcode, int res, int flags) {
        boolean descriptors = opcode == Opcode.RECVMSG;
        if (!channel.isOpen() || res == -Errno.ECANCELED) {
            readBuffers.release();
            inReadLoop = false;
            if (descriptors) {
                channel.descriptorsRead(false);
            }
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = channel.unsafe().recvBufAllocHandle();
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
                    channel.descriptorsRead(true);
                } else {
                    allocHandle.incMessagesRead(readBuffers.deliver(res, channel.pipeline()));
                }
                continueLoop = !channel.isInputShutdown() && dataQueued && allocHandle.continueReading();
            } else {
                readBuffers.release();
                allocHandle.lastBytesRead(res == -Errno.EAGAIN ? 0 : -1);
                inputEnded = res != -Errno.EAGAIN;
            }
            inReadLoop = continueLoop;
            if (!continueLoop) {
                allocHandle.readComplete();
                channel.pipeline().fireChannelReadComplete();
            }
            if (res == 0) {
                channel.shutdownInputAfterEof();
            } else if (res < 0 && res != -Errno.EAGAIN) {
                channel.pipeline().fireExceptionCaught(new NativeIoException(Opcode.name(opcode), res));
                channel.shutdownInputAfterEof();
            }
        } finally {
            processingRead = false;
        }
        if (channel.isOpen() && (continueLoop || readRequested || rdHupReceived || channel.config().isAutoRead())) {
            startRead();
        }
    }
}
