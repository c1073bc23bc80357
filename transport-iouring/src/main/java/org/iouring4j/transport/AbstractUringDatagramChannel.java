package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.internal.StringUtil;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * What UDP and Unix datagram sockets share on io_uring: receives, sends, connect and disconnect.
 *
 * <p>Reads are RECVMSG SQEs into pooled direct buffers, each with its own msghdr slot ({@link MessageSlots}: the
 * kernel writes the sender's address and control data when the receive completes). While auto-read is on, a
 * batch of them stays in the kernel ({@link UringChannelOption#DATAGRAM_RECEIVE_BATCH}), so a burst is taken up
 * without a round trip through the loop per datagram; every batch of completions ends with one
 * {@code channelReadComplete}. With auto-read off, each {@code read()} receives until the socket is empty or
 * {@code maxMessagesPerRead} datagrams were read. A datagram longer than its buffer is cut to it, as on Netty's
 * other transports.
 *
 * <p>Writes are SENDMSG SQEs, several in flight, completed in order ({@link DatagramSends}): a packet to any
 * address, a {@link ByteBuf} (or an {@link AddressedEnvelope} without recipient) on a connected socket. A send the
 * kernel refuses fails that write's promise only; one that finds no room waits for it and is made again.
 * Connecting and disconnecting are {@code connect(2)} calls: a datagram socket's connect waits for nothing.
 */
abstract class AbstractUringDatagramChannel extends AbstractUringChannel {
    /** The most receives a channel may keep in the kernel. */
    static final int MAX_RECEIVE_BATCH = 64;
    /** Sends in flight per channel at most. */
    private static final int SEND_SLOTS = 16;

    private final int controlBytes;
    private volatile boolean bound;
    private volatile boolean connected;

    private MessageSlots receives;
    private ByteBuf[] receiveBuffers;
    private int receivesInFlight;
    private boolean readRequested;
    /** With auto-read off: the read loop is under way, the next receive continues it without waiting. */
    private boolean inReadLoop;
    private boolean readCompletePending;
    private final Runnable readComplete = this::readComplete;

    private final DatagramSends sends;

    /** A new datagram socket of {@code family}; {@code controlBytes}: the cmsg room of each receive and send. */
    AbstractUringDatagramChannel(SocketFamily family, int controlBytes) {
        super(null, family.newSocket(LinuxSocket.SOCK_DGRAM), family, false);
        this.controlBytes = controlBytes;
        // A Unix datagram socket is reliable and ordered: its sends must not overtake one another. UDP's need not.
        this.sends = new DatagramSends(SEND_SLOTS, controlBytes, family == SocketFamily.UNIX);
    }

    /** The receive settings the channel's config holds. */
    abstract DatagramReadSettings readSettings();

    /** The message a received datagram becomes: its content, and its addresses read from {@code slot}. */
    abstract Object newPacket(ByteBuf content, MessageSlots slots, int slot);

    /** A failed op as the family's users know it (NIO's exception types): the cause itself by default. */
    IOException failure(NativeIoException cause) {
        return cause;
    }

    /** Bound or connected, or registered with {@code DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION} set. */
    @Override
    public boolean isActive() {
        return isOpen() && (bound || connected || readSettings().isActiveOnOpen() && isRegistered());
    }

    /** Whether the socket is connected to a peer, which is then where writes without a recipient go. */
    public boolean isConnected() {
        return connected;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new DatagramUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        bindSocket(localAddress);
        cacheLocalAddress();
        bound = true;
    }

    /** Dissolves the association with the peer ({@code connect(2)} to {@code AF_UNSPEC}). */
    @Override
    protected void doDisconnect() throws Exception {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            LinuxSocket.disconnect(socketFd(), memory.get());
        }
        connected = false;
        setRemoteAddress(null);
        cacheLocalAddress();
    }

    @Override
    protected void doClose() throws Exception {
        sends.closing(); // Netty releases the flushed messages next; the kernel may still read those in flight
        super.doClose();
    }

    @Override
    void fdClosed() {
        if (receives != null) {
            receives.close();
        }
        sends.close();
    }

    /** After a move to another loop: the receives and sends the move cancelled go on from here. */
    @Override
    void registered() {
        if (readRequested) {
            startReads(); // auto-read resumes by itself: Netty calls read() on every registration
        }
        ((DatagramUnsafe) unsafe()).writeMore();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return connected ? super.remoteAddress0() : null;
    }

    // ---- reads ----

    @Override
    protected void doBeginRead() {
        readRequested = true;
        startReads();
    }

    /** Called when auto-read is switched off: receives in the kernel still deliver, then reading stops. */
    void clearReadPending() {
        if (!isRegistered() || eventLoop().inEventLoop()) {
            readRequested = false;
        } else {
            eventLoop().execute(() -> readRequested = false);
        }
    }

    /** Keeps the batch of receives (auto-read) or the one receive of a read loop in the kernel. */
    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void startReads() {
        if (!isActive() || !isRegisteredWithHandler()) {
            return;
        }
        if (receives == null) {
            int batch = readSettings().getReceiveBatch();
            receives = new MessageSlots(batch, controlBytes);
            receiveBuffers = new ByteBuf[batch];
        }
        boolean autoRead = config().isAutoRead();
        int target = autoRead ? receives.capacity() : 1;
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        if (!autoRead && !inReadLoop && receivesInFlight == 0) {
            allocHandle.reset(config());
        }
        while (receivesInFlight < target) {
            int slot = receives.acquire();
            if (slot < 0) {
                return;
            }
            int size = readSettings().getMaxDatagramPayloadSize();
            ByteBuf buf = size > 0 ? alloc().directBuffer(size) : allocHandle.allocate(alloc());
            if (!buf.isDirect()) {
                ByteBuf direct = alloc().directBuffer(buf.capacity());
                buf.release();
                buf = direct;
            }
            receives.prepareReceive(slot, BufferAddress.of(buf, buf.writerIndex()), buf.writableBytes());
            ops.clear().opcode(Opcode.RECVMSG).fd(socketFd()).address(receives.msghdrAddress(slot)).length(1)
                    .opFlags(inReadLoop ? LinuxSocket.MSG_DONTWAIT : 0).data(slot);
            if (submit() == -1) {
                buf.release();
                receives.release(slot);
                return;
            }
            receiveBuffers[slot] = buf;
            receivesInFlight++;
        }
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void receiveCompleted(int slot, int res) {
        ByteBuf buf = receiveBuffers[slot];
        receiveBuffers[slot] = null;
        receivesInFlight--;
        boolean autoRead = config().isAutoRead();
        try {
            if (!isOpen() || res == -Errno.ECANCELED) {
                buf.release();
                return;
            }
            RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
            if (res >= 0) {
                buf.writerIndex(buf.writerIndex() + res);
                allocHandle.lastBytesRead(res);
                allocHandle.incMessagesRead(1);
                readRequested = false;
                pipeline().fireChannelRead(newPacket(buf, receives, slot));
            } else {
                buf.release();
                allocHandle.lastBytesRead(0);
                if (res != -Errno.EAGAIN) {
                    pipeline().fireExceptionCaught(failure(new NativeIoException(Opcode.name(Opcode.RECVMSG), res)));
                }
            }
            // With auto-read off a read loop goes on while the allocator lets it and data came; else it ends here.
            inReadLoop = !autoRead && res >= 0 && isOpen() && allocHandle.continueReading();
            if (!inReadLoop && !readCompletePending) {
                readCompletePending = true;
                handler().afterDispatch(readComplete);
            }
        } finally {
            receives.release(slot);
        }
        if (isOpen() && (autoRead || readRequested || inReadLoop)) {
            startReads();
        }
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void readComplete() {
        readCompletePending = false;
        unsafe().recvBufAllocHandle().readComplete();
        pipeline().fireChannelReadComplete();
    }

    // ---- writes ----

    /**
     * A {@link ByteBuf}, or an envelope of a {@code ByteBuf} whose recipient is none or one of this family (the
     * family's packet type among them), with its content made one contiguous direct buffer.
     */
    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof ByteBuf) {
            return DirectBuffers.contiguous(alloc(), (ByteBuf) msg);
        }
        if (msg instanceof AddressedEnvelope) {
            @SuppressWarnings("unchecked")
            AddressedEnvelope<Object, SocketAddress> envelope = (AddressedEnvelope<Object, SocketAddress>) msg;
            if (envelope.content() instanceof ByteBuf
                    && (envelope.recipient() == null || family().isAddress(envelope.recipient()))) {
                if (envelope.recipient() != null) {
                    family().check(envelope.recipient());
                }
                ByteBuf content = (ByteBuf) envelope.content();
                if (DirectBuffers.isContiguous(content)) {
                    return envelope;
                }
                ByteBuf direct = DirectBuffers.contiguous(alloc(), content.retain());
                Object replaced = envelope instanceof ByteBufHolder ? ((ByteBufHolder) envelope).replace(direct)
                        : new DefaultAddressedEnvelope<>(direct, envelope.recipient(), envelope.sender());
                envelope.release();
                return replaced;
            }
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected: " + expectedMessageTypes() + ")");
    }

    /** The message types {@link #filterOutboundMessage} takes, for its error message. */
    abstract String expectedMessageTypes();

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (isRegisteredWithHandler()) {
            sends.submit(this, in);
        }
    }

    @Override
    boolean isWriteInFlight() {
        return sends.inFlight();
    }

    @Override
    void cancelWriteInFlight() {
        sends.cancelAll(this);
    }

    /** A send completed: the datagrams at the head whose sends are done leave the outbound buffer, in order. */
    private void sendCompleted(int slot, int res) {
        if (sends.completed(this, slot, res) && isOpen() && !isClosePending()) {
            ((DatagramUnsafe) unsafe()).writeMore();
        }
    }

    /**
     * This channel's handle in the loop: routes receive and send completions (and the poll for room to send),
     * connects with connect(2).
     */
    private final class DatagramUnsafe extends AbstractUringUnsafe {
        @Override
        void completed(UringIoEvent event) {
            if (event.opcode() == Opcode.RECVMSG) {
                receiveCompleted(event.data(), event.res());
            } else if (event.opcode() == Opcode.SENDMSG) {
                sendCompleted(event.data(), event.res());
            } else if (event.opcode() == Opcode.POLL_ADD && sends.roomPolled(AbstractUringDatagramChannel.this)) {
                writeMore();
            }
        }

        /** A datagram socket's connect waits for nothing: a plain connect(2), also after bind (unlike a stream's). */
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (!promise.setUncancellable() || !ensureOpen(promise)) {
                return;
            }
            try {
                boolean wasActive = isActive();
                family().check(remoteAddress);
                if (localAddress != null) {
                    doBind(localAddress);
                }
                family().connect(socketFd(), remoteAddress);
                connected = true;
                setRemoteAddress(remoteAddress);
                cacheLocalAddress();
                promise.setSuccess();
                if (!wasActive && isActive()) {
                    pipeline().fireChannelActive();
                }
            } catch (Throwable t) {
                Throwable cause = t instanceof NativeIoException ? failure((NativeIoException) t) : t;
                promise.tryFailure(annotateConnectException(cause, remoteAddress));
                closeIfNoLongerOpen();
            }
        }

        void writeMore() {
            flush0();
        }
    }
}
