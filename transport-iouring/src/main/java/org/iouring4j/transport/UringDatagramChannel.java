package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.internal.StringUtil;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.Multicast;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SockAddr;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.net.SocketAddress;
import java.nio.channels.UnresolvedAddressException;

/**
 * A UDP socket on io_uring: the drop-in replacement for {@code NioDatagramChannel} and {@code EpollDatagramChannel}.
 *
 * <p>Reads are RECVMSG SQEs into pooled direct buffers, each with its own msghdr slot ({@link MessageSlots}: the
 * kernel writes the sender's address and control data when the receive completes). While auto-read is on, a
 * batch of them stays in the kernel ({@link UringChannelOption#DATAGRAM_RECEIVE_BATCH}), so a burst is taken up
 * without a round trip through the loop per datagram; every batch of completions ends with one
 * {@code channelReadComplete}. With auto-read off, each {@code read()} receives until the socket is empty or
 * {@code maxMessagesPerRead} datagrams were read. A datagram longer than its buffer is cut to it, as on Netty's
 * other transports.
 *
 * <p>Writes are SENDMSG SQEs, several in flight, completed in order: a {@link DatagramPacket} to any address, a
 * {@link ByteBuf} (or an {@link AddressedEnvelope}) on a connected socket, a {@link SegmentedDatagramPacket} as one
 * UDP GSO send ({@code UDP_SEGMENT}). A send the kernel refuses (an unroutable address, say) fails that write's
 * promise only. On a connected socket an ICMP port-unreachable turns the next receive or send into a
 * {@link PortUnreachableException}, and the channel stays usable, as with NIO and epoll.
 *
 * <p>Connecting and disconnecting are {@code connect(2)} calls (UDP's connect does not wait for anything).
 * Multicast membership, source-specific included, for IPv4 and IPv6 groups: {@link Multicast}.
 */
public final class UringDatagramChannel extends AbstractUringChannel implements DatagramChannel {
    /** The most receives a channel may keep in the kernel. */
    static final int MAX_RECEIVE_BATCH = 64;
    /** Sends in flight per channel at most. */
    private static final int SEND_SLOTS = 16;
    /** Room for one control message holding a sockaddr_in6 (IP(V6)_ORIGDSTADDR) or a u16 (UDP_SEGMENT). */
    private static final int CONTROL_BYTES = MessageSlots.controlSpace(SockAddr.IN6_SIZE);
    private static final ChannelMetadata METADATA = new ChannelMetadata(true, 16);

    private final UringDatagramChannelConfig config;
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

    private final DatagramSends sends = new DatagramSends(SEND_SLOTS, CONTROL_BYTES);

    /** A new UDP socket, IPv6 dual-stack where available. */
    public UringDatagramChannel() {
        this(SocketFamily.ip());
    }

    /** A new UDP socket of {@code family} ({@code INET} or {@code INET6}; null: as the no-argument constructor). */
    public UringDatagramChannel(SocketProtocolFamily family) {
        this(family == null ? SocketFamily.ip() : family == SocketProtocolFamily.INET ? SocketFamily.IPV4
                : checkInet6(family));
    }

    /**
     * A new UDP socket of {@code family}.
     *
     * @deprecated use {@link #UringDatagramChannel(SocketProtocolFamily)}, as with Netty's own channels
     */
    @Deprecated
    public UringDatagramChannel(InternetProtocolFamily family) {
        this(family == null ? null : family.toSocketProtocolFamily());
    }

    private UringDatagramChannel(SocketFamily family) {
        super(null, family.newSocket(LinuxSocket.SOCK_DGRAM), family, false);
        this.config = new UringDatagramChannelConfig(this);
    }

    private static SocketFamily checkInet6(SocketProtocolFamily family) {
        if (family != SocketProtocolFamily.INET6) {
            throw new UnsupportedOperationException("not a UDP family: " + family);
        }
        return SocketFamily.IPV6;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public UringDatagramChannelConfig config() {
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

    /** Bound or connected, or registered with {@code DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION} set. */
    @Override
    public boolean isActive() {
        return isOpen() && (bound || connected || config.isActiveOnOpen() && isRegistered());
    }

    @Override
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

    /**
     * Dissolves the association with the peer; the socket stays bound where it was. Linux drops a port the kernel
     * picked (at bind to port 0, or at connect) when a UDP socket disconnects, so it is bound to it again, as the
     * JDK's own datagram channel does.
     */
    @Override
    protected void doDisconnect() throws Exception {
        InetSocketAddress local = (InetSocketAddress) family().address(socketFd(), true);
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            LinuxSocket.disconnect(socketFd(), memory.get());
        }
        connected = false;
        setRemoteAddress(null);
        if (local.getPort() != 0 && ((InetSocketAddress) family().address(socketFd(), true)).getPort() == 0) {
            bindSocket(local);
        }
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
            int batch = config.getReceiveBatch();
            receives = new MessageSlots(batch, CONTROL_BYTES);
            receiveBuffers = new ByteBuf[batch];
        }
        boolean autoRead = config.isAutoRead();
        int target = autoRead ? receives.capacity() : 1;
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        if (!autoRead && !inReadLoop && receivesInFlight == 0) {
            allocHandle.reset(config);
        }
        while (receivesInFlight < target) {
            int slot = receives.acquire();
            if (slot < 0) {
                return;
            }
            int size = config.getMaxDatagramPayloadSize();
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
        boolean autoRead = config.isAutoRead();
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
                pipeline().fireChannelRead(new DatagramPacket(buf, recipient(slot), sender(slot)));
            } else {
                buf.release();
                allocHandle.lastBytesRead(0);
                if (res != -Errno.EAGAIN) {
                    pipeline().fireExceptionCaught(receiveFailure(res));
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

    private InetSocketAddress sender(int slot) {
        return (InetSocketAddress) family().read(receives.memory(), receives.nameOffset(slot),
                receives.nameLength(slot));
    }

    /** The datagram's original destination when {@code IP_RECVORIGDSTADDR} is on, else the local address. */
    private InetSocketAddress recipient(int slot) {
        for (int c = receives.firstControl(slot); c >= 0; c = receives.nextControl(slot, c)) {
            int level = receives.controlLevel(c);
            int type = receives.controlType(c);
            if (level == LinuxSocket.IPPROTO_IP && type == LinuxSocket.IP_RECVORIGDSTADDR
                    || level == LinuxSocket.IPPROTO_IPV6 && type == LinuxSocket.IPV6_RECVORIGDSTADDR) {
                return SockAddr.read(receives.memory(), receives.controlDataOffset(c));
            }
        }
        return localAddress();
    }

    private IOException receiveFailure(int res) {
        return failure(new NativeIoException(Opcode.name(Opcode.RECVMSG), res));
    }

    /** A failed receive or send; an ICMP port-unreachable on a connected socket as NIO and epoll report it. */
    IOException failure(NativeIoException cause) {
        if (!connected || cause.errno() != Errno.ECONNREFUSED) {
            return cause;
        }
        PortUnreachableException e = new PortUnreachableException(cause.getMessage());
        e.initCause(cause);
        return e;
    }

    // ---- writes ----

    @Override
    protected Object filterOutboundMessage(Object msg) {
        if (msg instanceof DatagramPacket) {
            DatagramPacket packet = (DatagramPacket) msg;
            checkResolved(packet.recipient());
            return DirectBuffers.isContiguous(packet.content()) ? packet : releaseAndReplace(packet);
        }
        if (msg instanceof ByteBuf) {
            return DirectBuffers.contiguous(alloc(), (ByteBuf) msg);
        }
        if (msg instanceof AddressedEnvelope) {
            @SuppressWarnings("unchecked")
            AddressedEnvelope<Object, SocketAddress> envelope = (AddressedEnvelope<Object, SocketAddress>) msg;
            if (envelope.content() instanceof ByteBuf && (envelope.recipient() == null
                    || envelope.recipient() instanceof InetSocketAddress)) {
                checkResolved(envelope.recipient());
                ByteBuf content = (ByteBuf) envelope.content();
                if (DirectBuffers.isContiguous(content)) {
                    return envelope;
                }
                DefaultAddressedEnvelope<ByteBuf, SocketAddress> direct = new DefaultAddressedEnvelope<>(
                        DirectBuffers.contiguous(alloc(), content.retain()), envelope.recipient());
                envelope.release();
                return direct;
            }
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected: DatagramPacket, AddressedEnvelope<ByteBuf, InetSocketAddress>, ByteBuf)");
    }

    /** A packet whose content was swapped for a contiguous direct copy: the original (and its content) released. */
    private DatagramPacket releaseAndReplace(DatagramPacket packet) {
        DatagramPacket direct = packet.replace(DirectBuffers.contiguous(alloc(), packet.content().retain()));
        packet.release();
        return direct;
    }

    private static void checkResolved(SocketAddress address) {
        if (address instanceof InetSocketAddress && ((InetSocketAddress) address).isUnresolved()) {
            throw new UnresolvedAddressException();
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (isRegisteredWithHandler()) {
            sends.submit(this, in);
        }
    }

    @Override
    boolean isWriteInFlight() {
        return sends.inFlight() > 0;
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

    // ---- multicast ----

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress) {
        return joinGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return membership(Multicast.MCAST_JOIN_GROUP, multicastAddress, null, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return joinGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                   ChannelPromise promise) {
        return membership(Multicast.MCAST_JOIN_GROUP, multicastAddress.getAddress(), networkInterface, null, promise);
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source) {
        return joinGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture joinGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                   InetAddress source, ChannelPromise promise) {
        return membership(Multicast.MCAST_JOIN_GROUP, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress) {
        return leaveGroup(multicastAddress, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, ChannelPromise promise) {
        return membership(Multicast.MCAST_LEAVE_GROUP, multicastAddress, null, null, promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface) {
        return leaveGroup(multicastAddress, networkInterface, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetSocketAddress multicastAddress, NetworkInterface networkInterface,
                                    ChannelPromise promise) {
        return membership(Multicast.MCAST_LEAVE_GROUP, multicastAddress.getAddress(), networkInterface, null,
                promise);
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source) {
        return leaveGroup(multicastAddress, networkInterface, source, newPromise());
    }

    @Override
    public ChannelFuture leaveGroup(InetAddress multicastAddress, NetworkInterface networkInterface,
                                    InetAddress source, ChannelPromise promise) {
        return membership(Multicast.MCAST_LEAVE_GROUP, multicastAddress, networkInterface, source, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock) {
        return block(multicastAddress, networkInterface, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, NetworkInterface networkInterface,
                               InetAddress sourceToBlock, ChannelPromise promise) {
        return membership(Multicast.MCAST_BLOCK_SOURCE, multicastAddress, networkInterface, sourceToBlock, promise);
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock) {
        return block(multicastAddress, sourceToBlock, newPromise());
    }

    @Override
    public ChannelFuture block(InetAddress multicastAddress, InetAddress sourceToBlock, ChannelPromise promise) {
        return membership(Multicast.MCAST_BLOCK_SOURCE, multicastAddress, null, sourceToBlock, promise);
    }

    /** Unlets datagrams from a blocked source through again ({@code MCAST_UNBLOCK_SOURCE}). */
    public ChannelFuture unblock(InetAddress multicastAddress, NetworkInterface networkInterface,
                                 InetAddress sourceToUnblock, ChannelPromise promise) {
        return membership(Multicast.MCAST_UNBLOCK_SOURCE, multicastAddress, networkInterface, sourceToUnblock,
                promise);
    }

    /**
     * One membership change, by the group's family and on the interface given (or the one the config names, or
     * the route's); a join or leave with a source becomes its source-specific form.
     */
    private ChannelFuture membership(int request, InetAddress group, NetworkInterface networkInterface,
                                     InetAddress source, ChannelPromise promise) {
        runInLoop(() -> {
            try {
                NetworkInterface iface = networkInterface != null ? networkInterface : config.getNetworkInterface();
                int index = iface == null ? 0 : iface.getIndex();
                int option = source == null ? request : request == Multicast.MCAST_JOIN_GROUP
                        ? Multicast.MCAST_JOIN_SOURCE_GROUP : request == Multicast.MCAST_LEAVE_GROUP
                        ? Multicast.MCAST_LEAVE_SOURCE_GROUP : request;
                try (SyscallMemory memory = SyscallMemory.acquire()) {
                    Multicast.request(socketFd(), option, group, index, source, memory.get());
                }
                promise.setSuccess();
            } catch (IOException | RuntimeException e) {
                promise.setFailure(e);
            }
        });
        return promise;
    }

    /** This channel's handle in the loop: routes receive and send completions, connects with connect(2). */
    private final class DatagramUnsafe extends AbstractUringUnsafe {
        @Override
        void completed(UringIoEvent event) {
            if (event.opcode() == Opcode.RECVMSG) {
                receiveCompleted(event.data(), event.res());
            } else if (event.opcode() == Opcode.SENDMSG) {
                sendCompleted(event.data(), event.res());
            }
        }

        /** UDP's connect waits for nothing: a plain connect(2), also after bind (unlike a stream's). */
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (!promise.setUncancellable() || !ensureOpen(promise)) {
                return;
            }
            try {
                boolean wasActive = isActive();
                InetSocketAddress remote = (InetSocketAddress) family().check(remoteAddress);
                if (localAddress != null) {
                    doBind(localAddress);
                }
                try (SyscallMemory memory = SyscallMemory.acquire()) {
                    LinuxSocket.connectDatagram(socketFd(), remote, isIpv6(), memory.get());
                }
                connected = true;
                setRemoteAddress(remote);
                cacheLocalAddress();
                promise.setSuccess();
                if (!wasActive && isActive()) {
                    pipeline().fireChannelActive();
                }
            } catch (Throwable t) {
                promise.tryFailure(annotateConnectException(t, remoteAddress));
                closeIfNoLongerOpen();
            }
        }

        void writeMore() {
            flush0();
        }
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return connected ? super.remoteAddress0() : null;
    }
}
