package org.iouring4j.transport;

import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.util.NetUtil;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * What the io_uring socket channels share: the socket fd, the registration with the loop's
 * {@link UringIoHandler}, and the close protocol.
 *
 * <p>Closing cancels before it closes. The kernel may hand the fd number to a new socket the moment it is
 * closed, so while ops on it are still in the kernel the channel only submits one ASYNC_CANCEL for all of
 * them; the fd itself is closed when the last of their completions arrives. The channel reports closed at
 * once, as Netty expects.
 */
abstract class AbstractUringChannel extends AbstractChannel {
    private static final Logger logger = LoggerFactory.getLogger(AbstractUringChannel.class);
    /** TCP: no disconnect() distinct from close(); 16 reads per read loop at most, as Netty's socket channels. */
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    /** Data tag of the ASYNC_CANCEL a channel submits when it closes. */
    static final int DATA_CANCEL = 0xFFFF;

    private final int fd;
    private final boolean ipv6;
    private volatile boolean open = true;
    private volatile boolean active;
    private boolean fdClosed;
    private IoRegistration registration;
    private UringIoHandler handler;
    /** Reused to describe every op this channel submits (submission copies it into the SQE). */
    final UringIoOps ops = new UringIoOps();
    /** Ops submitted whose final completion has not arrived. Loop thread only. */
    private int inFlight;
    private volatile InetSocketAddress localAddress;
    private volatile InetSocketAddress remoteAddress;

    AbstractUringChannel(Channel parent, int fd, boolean ipv6, boolean active) {
        super(parent);
        this.fd = fd;
        this.ipv6 = ipv6;
        this.active = active;
    }

    /** Whether new sockets are IPv6 (dual-stack, so IPv4 works too), as Netty's native transports choose. */
    static boolean preferIpv6() {
        return Ipv6.PREFERRED;
    }

    private static final class Ipv6 {
        static final boolean PREFERRED = !NetUtil.isIpV4StackPreferred() && LinuxSocket.isIpv6Supported();
    }

    static int newSocket(boolean ipv6) {
        try {
            return LinuxSocket.newStreamSocket(ipv6);
        } catch (NativeIoException e) {
            throw new ChannelException("failed to create a socket", e);
        }
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    /** The socket's file descriptor. */
    public final int fd() {
        return fd;
    }

    final boolean isIpv6() {
        return ipv6;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return active;
    }

    final void setActive(boolean active) {
        this.active = active;
    }

    final UringIoHandler handler() {
        return handler;
    }

    final boolean isRegisteredWithHandler() {
        return registration != null;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return loop instanceof IoEventLoop && ((IoEventLoop) loop).isCompatible(AbstractUringUnsafe.class);
    }

    @Override
    protected void doRegister(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register((AbstractUringUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                handler = registration.attachment();
                registered();
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /** Called once the channel is registered with its loop's handler and may submit ops. */
    void registered() {
    }

    @Override
    protected void doDeregister() {
        IoRegistration registration = this.registration;
        if (registration == null) {
            return;
        }
        if (open && inFlight > 0) {
            // Moving to another loop: nothing of ours may stay in this loop's ring.
            submitCancelAll();
        }
        this.registration = null;
        registration.cancel();
    }

    /**
     * Submits the op described by {@link #ops}; it reaches the kernel with the loop's next enter.
     *
     * @return the op's user data, or -1 if the channel is not registered (the op was not queued)
     */
    final long submit() {
        IoRegistration registration = this.registration;
        long userData = registration == null ? -1 : registration.submit(ops);
        if (userData != -1) {
            inFlight++;
        }
        return userData;
    }

    private void submitCancelAll() {
        ops.clear().opcode(Opcode.ASYNC_CANCEL).fd(fd)
                .opFlags(IoUring.IORING_ASYNC_CANCEL_FD | IoUring.IORING_ASYNC_CANCEL_ALL).data(DATA_CANCEL);
        submit();
    }

    @Override
    protected void doClose() throws Exception {
        open = false;
        active = false;
        if (inFlight > 0 && registration != null) {
            submitCancelAll(); // the fd is closed when the last completion arrives
        } else {
            closeFd();
        }
    }

    private void closeFd() {
        if (fdClosed) {
            return;
        }
        fdClosed = true;
        try {
            FileDescriptors.close(fd);
        } catch (NativeIoException e) {
            logger.debug("Failed to close fd {} of {}", fd, this, e);
        }
    }

    /**
     * The bound address: null until bind or connect, as Netty expects (and caches the first non-null answer).
     * Accepted connections learn theirs on first use.
     */
    @Override
    protected SocketAddress localAddress0() {
        InetSocketAddress local = localAddress;
        if (local == null && open && active) {
            try {
                local = LinuxSocket.localAddress(fd);
                localAddress = local;
            } catch (NativeIoException e) {
                return null;
            }
        }
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        InetSocketAddress remote = remoteAddress;
        if (remote == null && open && active) {
            try {
                remote = LinuxSocket.remoteAddress(fd);
                remoteAddress = remote;
            } catch (NativeIoException e) {
                return null;
            }
        }
        return remote;
    }

    /** Reads the local address the kernel just assigned (after bind or connect). */
    final void cacheLocalAddress() throws NativeIoException {
        localAddress = LinuxSocket.localAddress(fd);
    }

    final void setRemoteAddress(InetSocketAddress remote) {
        remoteAddress = remote;
    }

    /**
     * The channel's side of its registration: receives its completions and closes with the loop.
     */
    abstract class AbstractUringUnsafe extends AbstractUnsafe implements UringIoHandle {
        @Override
        public final void handle(IoRegistration registration, IoEvent ioEvent) {
            UringIoEvent event = (UringIoEvent) ioEvent;
            if (!event.hasMore()) {
                inFlight--;
            }
            try {
                if (event.opcode() != Opcode.ASYNC_CANCEL) {
                    completed(event);
                }
            } finally {
                if (!open && inFlight == 0) {
                    closeFd();
                }
            }
        }

        /** One of this channel's ops completed (its event is only valid during the call). */
        abstract void completed(UringIoEvent event);

        /** Called by the loop as it shuts down. */
        @Override
        public void close() {
            close(voidPromise());
        }

        /**
         * The loop released this channel's registration: after the channel's own deregistration (moving loops),
         * or because the loop itself is gone (its shutdown released every registration). Only in the first case
         * may the socket outlive the registration.
         */
        @Override
        public void unregistered() {
            if (!open || registration != null) {
                open = false;
                active = false;
                closeFd();
            }
        }
    }
}
