package org.iouring4j.transport;

import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SockAddr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * What the io_uring socket channels share: the socket fd, the registration with the loop's
 * {@link UringIoHandler}, the ops in flight, and the protocols that must respect them: closing, moving to
 * another loop, and closing off the loop.
 *
 * <p><b>Closing cancels before it closes.</b> The kernel may hand the fd number to a new socket the moment it is
 * closed, so while ops on it are still in the kernel the channel cancels each of them by its user data
 * ({@code ASYNC_CANCEL}, which every supported kernel has), and closes the fd when the last completion arrives, or
 * as soon as only notifications of zero-copy sends are to come: those refer to the registration (which stays until
 * the last one, to unpin its buffer), not to the fd, and a peer that reads nothing may hold them back for ever.
 * The channel reports closed at once, as Netty expects.
 *
 * <p><b>Deregistration drains.</b> Ops in flight belong to the old loop's ring: they are cancelled, and until
 * their completions are in, those completions are kept, not acted on, and a registration with a new loop waits
 * ({@link Relocation}). Once drained, the new loop registers the channel, replays the kept completions (a late
 * read's bytes, a write that went through) and resumes reading and writing.
 *
 * <p><b>A lingering close runs off the loop.</b> With {@code SO_LINGER > 0}, {@code close(2)} blocks until the
 * peer has the data or the time is up; the loop must not wait for that. As Netty's epoll transport does, the
 * close then runs on {@link GlobalEventExecutor}, once every op but zero-copy notifications has completed (so the
 * fd is not closed under the kernel's feet), and the close future completes when {@code close(2)} returned.
 */
abstract class AbstractUringChannel extends AbstractChannel implements UnixChannel {
    private static final Logger logger = LoggerFactory.getLogger(AbstractUringChannel.class);
    /** TCP: no disconnect() distinct from close(); 16 reads per read loop at most, as Netty's socket channels. */
    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);
    /** Data tag of the ASYNC_CANCELs a channel submits. */
    private static final int DATA_CANCEL = 0xFFFF;
    /** A cancel that failed is a kernel surprise: said once per process, not once per channel. */
    private static final AtomicBoolean CANCEL_FAILURE_LOGGED = new AtomicBoolean();
    private static final AtomicIntegerFieldUpdater<AbstractUringChannel> FD_CLOSED =
            AtomicIntegerFieldUpdater.newUpdater(AbstractUringChannel.class, "fdClosed");

    private final int fd;
    private final SocketFamily family;
    /** {@link #fd()}'s answer, made on first use. */
    private volatile UringFileDescriptor fileDescriptor;
    private volatile boolean open = true;
    private volatile boolean active;
    /** 1 once the fd is closed; a compare-and-set, because after a move the old loop and a closer may race. */
    private volatile int fdClosed;
    private IoRegistration registration;
    private UringIoHandler handler;
    /** Reused to describe every op this channel submits (submission copies it into the SQE). */
    final UringIoOps ops = new UringIoOps();
    /** What is in the kernel: every op and cancel whose final completion has not arrived. */
    private final InFlightOps inFlight = new InFlightOps();
    /** A close is under way and waits for ops to complete: nothing new may be submitted. */
    private boolean closing;
    /** The rest of a close, parked by {@link AbstractUringUnsafe#prepareToClose()} until its ops completed. */
    private Runnable parkedClose;
    /** The parked close runs off the loop once nothing is in flight (SO_LINGER), else on the loop after the write. */
    private boolean parkedCloseLingers;
    /** Set while (and after) moving loops with ops in flight; null for the vast majority of channels. */
    private volatile Relocation relocation;
    /** The channel's connect, from its first {@code connect()} on; null for accepted and listening channels. */
    private PendingConnect connect;
    private volatile SocketAddress localAddress;
    private volatile SocketAddress remoteAddress;

    AbstractUringChannel(Channel parent, int fd, SocketFamily family, boolean active) {
        super(parent);
        this.fd = fd;
        this.family = family;
        this.active = active;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    /** The socket, as Netty's Unix channels give it ({@link UringFileDescriptor}: the channel keeps owning it). */
    @Override
    public final FileDescriptor fd() {
        UringFileDescriptor descriptor = fileDescriptor;
        if (descriptor == null) {
            descriptor = UringFileDescriptor.of(this);
            fileDescriptor = descriptor;
        }
        return descriptor;
    }

    /** The socket's fd number. */
    final int socketFd() {
        return fd;
    }

    final SocketFamily family() {
        return family;
    }

    final boolean isIpv6() {
        return family.isIpv6();
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
        Relocation relocation = this.relocation;
        if (relocation == null || !relocation.parkIfDraining(promise)) {
            registerWithLoop(promise);
        }
    }

    /** Registers with the current event loop's handler; the promise completes on that loop. */
    private void registerWithLoop(ChannelPromise promise) {
        ((IoEventLoop) eventLoop()).register((AbstractUringUnsafe) unsafe()).addListener(f -> {
            if (f.isSuccess()) {
                registration = (IoRegistration) f.getNow();
                handler = registration.attachment();
                Relocation relocation = this.relocation;
                if (relocation != null) {
                    this.relocation = null;
                    relocation.replay((AbstractUringUnsafe) unsafe());
                }
                registered();
                promise.setSuccess();
            } else {
                promise.setFailure(f.cause());
            }
        });
    }

    /**
     * Called once the channel is registered with its loop's handler and may submit ops: first registration, or a
     * new loop after a move (whose kept completions have just been replayed). Resume I/O here.
     */
    void registered() {
    }

    @Override
    protected void doDeregister() {
        IoRegistration registration = this.registration;
        if (registration == null) {
            return;
        }
        if (open && !closing && !inFlight.isEmpty()) {
            // Nothing of ours may stay in this loop's ring: cancel, and keep what completes meanwhile. (A channel
            // whose close waits for its ops is not moving: their completions settle the close on this loop.)
            cancelInFlight();
            relocation = new Relocation();
        }
        this.registration = null;
        registration.cancel();
    }

    /**
     * Submits the op described by {@link #ops}; it reaches the kernel with the loop's next enter.
     *
     * @return the op's user data, or -1 if the channel is not registered or is closing (the op was not queued)
     */
    final long submit() {
        IoRegistration registration = this.registration;
        boolean cancel = ops.opcode() == Opcode.ASYNC_CANCEL;
        if (registration == null || (closing && !cancel)) {
            return -1;
        }
        long userData = registration.submit(ops);
        if (userData != -1) {
            inFlight.add(userData);
        }
        return userData;
    }

    /** Cancels the op in flight identified by {@code opcode} and {@code data}, if there is one. */
    final void cancel(int opcode, int data) {
        long target = inFlight.userData(opcode, data);
        if (target != -1) {
            cancelUserData(target);
        }
    }

    private void cancelUserData(long target) {
        ops.clear().opcode(Opcode.ASYNC_CANCEL).address(target).data(DATA_CANCEL);
        submit();
    }

    /** Cancels every op in flight, one ASYNC_CANCEL each (cancels themselves are not listed, so none is added). */
    private void cancelInFlight() {
        if (registration == null) {
            return;
        }
        for (int i = 0, n = inFlight.cancellableCount(); i < n; i++) {
            cancelUserData(inFlight.userDataAt(i));
        }
    }

    /** Whether a close waits, parked, for ops to complete ({@link AbstractUringUnsafe#prepareToClose()}). */
    final boolean isClosePending() {
        return parkedClose != null;
    }

    /** Whether a write is in the kernel: a close waits for its completion, so its promise tells the truth. */
    abstract boolean isWriteInFlight();

    /** Cancels the write in flight, so a close does not wait for a peer that takes nothing. */
    abstract void cancelWriteInFlight();

    /** Whether {@code close(2)} would block: {@code SO_LINGER} set to a positive time. */
    boolean lingersOnClose() {
        return false;
    }

    /** Runs {@code task} on the channel's loop: now if called there, else as a task. */
    final void runInLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Called once a connect succeeded, before {@code channelActive}. */
    void connected() {
    }

    @Override
    protected void doClose() throws Exception {
        if (connect != null) {
            connect.closed();
        }
        open = false;
        active = false;
        Relocation relocation = this.relocation;
        if (relocation != null) {
            // Moved with ops in flight and not registered since: the old loop closes the fd with the last
            // completion, unless the drain is over already; what was kept is released either way.
            if (!relocation.isDraining()) {
                relocation.replay((AbstractUringUnsafe) unsafe());
                closeFd();
            }
        } else if (isLingeringCloseReleased() || inFlight.isEmptyButNotifications()) {
            closeFd();
        } else {
            cancelInFlight(); // the fd is closed when the last completion using it arrives
        }
    }

    /**
     * Whether this is the lingering close, run off the loop once only notifications were left: it closes the fd
     * without reading {@link #inFlight}, which the loop may be changing as notifications arrive.
     */
    private boolean isLingeringCloseReleased() {
        return parkedCloseLingers && parkedClose == null;
    }

    private void closeFd() {
        if (!FD_CLOSED.compareAndSet(this, 0, 1)) {
            return;
        }
        try {
            FileDescriptors.close(fd);
        } catch (NativeIoException e) {
            logger.debug("Failed to close fd {} of {}", fd, this, e);
        }
        fdClosed();
    }

    /**
     * Called once the fd is closed, when no op refers to the channel's memory any more (notifications of zero-copy
     * sends may still come: they refer to buffers those sends pinned): free it here.
     */
    void fdClosed() {
    }

    /**
     * The bound address: null until bind or connect, as Netty expects (and caches the first non-null answer).
     * Accepted connections learn theirs on first use.
     */
    @Override
    protected SocketAddress localAddress0() {
        SocketAddress local = localAddress;
        if (local == null && open && active) {
            try {
                local = family.address(fd, true);
                localAddress = local;
            } catch (NativeIoException e) {
                return null;
            }
        }
        return local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        SocketAddress remote = remoteAddress;
        if (remote == null && open && active) {
            try {
                remote = family.address(fd, false);
                remoteAddress = remote;
            } catch (NativeIoException e) {
                return null;
            }
        }
        return remote;
    }

    /** Reads the local address the kernel just assigned (after bind or connect). */
    final void cacheLocalAddress() throws NativeIoException {
        localAddress = family.address(fd, true);
    }

    /** Binds the socket (its sockaddr through {@link SyscallMemory}: nothing allocated on a loop thread). */
    final void bindSocket(SocketAddress local) throws NativeIoException {
        family.bind(fd, family.check(local));
    }

    final void setRemoteAddress(SocketAddress remote) {
        remoteAddress = remote;
    }

    private void connectCompleted(int res) {
        ChannelPromise promise = connect.finish();
        if (promise == null) {
            return; // timed out or closed meanwhile; the promise has been failed already
        }
        AbstractUringUnsafe unsafe = (AbstractUringUnsafe) unsafe();
        if (res != 0) {
            promise.tryFailure(connect.failure(res));
            unsafe.closeIfNoLongerOpen();
            return;
        }
        boolean wasActive = isActive();
        setActive(true);
        setRemoteAddress(connect.remote());
        connected();
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
            unsafe.close(unsafe.voidPromise()); // cancelled meanwhile
        }
    }

    private void connectTimedOut(int timeoutMillis) {
        ChannelPromise promise = connect.finish();
        if (promise != null && promise.tryFailure(connect.timedOut(timeoutMillis))) {
            unsafe().close(unsafe().voidPromise()); // cancels the CONNECT still in the kernel
        }
    }

    /**
     * The channel's side of its registration: receives its completions, connects, and closes with the loop.
     */
    abstract class AbstractUringUnsafe extends AbstractUnsafe implements UringIoHandle {
        @Override
        public final void handle(IoRegistration from, IoEvent ioEvent) {
            UringIoEvent event = (UringIoEvent) ioEvent;
            inFlight.completed(event.opcode(), event.data(), event.flags());
            try {
                Relocation relocation = AbstractUringChannel.this.relocation;
                if (event.opcode() == Opcode.ASYNC_CANCEL) {
                    cancelCompleted(event.res());
                } else if (from == registration || relocation == null || !relocation.keep(event, open, this)) {
                    dispatch(event);
                }
            } finally {
                // A lingering close closes the fd itself, off the loop: close(2) blocks.
                if (!open && !parkedCloseLingers && inFlight.isEmptyButNotifications()) {
                    closeFd();
                }
                runParkedCloseIfSettled();
            }
        }

        /**
         * A cancel's own result: 0 (cancelled), ENOENT (already completed) and EALREADY (completing) are the
         * normal answers. Anything else leaves the target op in the kernel with nothing to end it; shutting the
         * socket down ends every op on it, so the close still completes.
         */
        private void cancelCompleted(int res) {
            if (res == 0 || res == -Errno.ENOENT || res == -Errno.EALREADY) {
                return;
            }
            if (CANCEL_FAILURE_LOGGED.compareAndSet(false, true)) {
                logger.warn("ASYNC_CANCEL on {} failed ({}); shutting the socket down to end its ops (logged once)",
                        AbstractUringChannel.this, Errno.name(-res));
            }
            try {
                LinuxSocket.shutdown(fd, LinuxSocket.SHUT_RDWR);
            } catch (NativeIoException e) {
                logger.debug("shutdown after a failed cancel of {}", AbstractUringChannel.this, e);
            }
        }

        /** The channel's ops in the kernel, for a loop that must cancel them itself as it is destroyed. */
        final InFlightOps inFlight() {
            return inFlight;
        }

        /** A completion of one of this channel's ops (its event is only valid during the call). */
        final void dispatch(UringIoEvent event) {
            if (event.opcode() == Opcode.CONNECT) {
                connectCompleted(event.res());
            } else {
                completed(event);
            }
        }

        /** One of this channel's ops other than CONNECT completed (its event is only valid during the call). */
        abstract void completed(UringIoEvent event);

        /**
         * Connects with a CONNECT SQE (the sockaddr lives in the loop's scratch until submission) and the channel's
         * connect timeout. The promise stays cancellable, as with Netty's NIO: cancelling it closes the channel,
         * which cancels the CONNECT in the kernel.
         */
        @Override
        public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
            if (promise.isDone() || !ensureOpen(promise)) {
                return;
            }
            try {
                if (connect != null && connect.isPending()) {
                    throw new ConnectionPendingException();
                }
                if (isActive()) {
                    throw new AlreadyConnectedException();
                }
                SocketAddress remote = family.check(remoteAddress);
                if (localAddress != null) {
                    doBind(localAddress);
                }
                int sockaddr = handler().reserveScratch(SockAddr.STORAGE_SIZE);
                if (sockaddr < 0) {
                    throw new NativeIoException("CONNECT (no scratch memory for its address)", -Errno.ENOMEM);
                }
                NativeMemory scratch = handler().scratchMemory();
                int length = family.write(scratch, sockaddr, remote);
                ops.clear().opcode(Opcode.CONNECT).fd(fd).address(scratch.address() + sockaddr).offset(length);
                if (submit() == -1) {
                    throw new ClosedChannelException();
                }
                if (connect == null) {
                    connect = new PendingConnect();
                }
                int timeoutMillis = config().getConnectTimeoutMillis();
                connect.start(promise, remote, eventLoop(), timeoutMillis, () -> connectTimedOut(timeoutMillis));
                promise.addListener(future -> {
                    if (future.isCancelled() && connect.isFor(future)) {
                        connect.finish();
                        close(voidPromise());
                    }
                });
            } catch (Throwable t) {
                closeIfClosed();
                promise.tryFailure(annotateConnectException(t, remoteAddress));
            }
        }

        /** After a failed connect: Netty's closeIfClosed(), which the outer class cannot reach. */
        final void closeIfNoLongerOpen() {
            closeIfClosed();
        }

        /**
         * Whether {@link #close} must wait for ops in the kernel, and on whom: a lingering close runs off the loop
         * once every op (but zero-copy notifications) has completed; otherwise a close with a write in the kernel
         * waits for that write's completion on the loop, so that its promise tells the truth (with Netty's NIO, bytes
         * flushed before {@code close()} have been handed to the socket and their write succeeds). What is waited
         * for is cancelled at once, so a peer that takes nothing does not hold the close up. Not while the loop
         * shuts down: it could no longer run the rest of the close (Netty hands that to the loop as a task), so the
         * close happens at once and the write's buffers are kept until its completion.
         */
        @Override
        protected Executor prepareToClose() {
            if (parkedClose != null || registration == null || eventLoop().isShuttingDown()) {
                return null;
            }
            boolean lingers = isOpen() && lingersOnClose();
            if (!lingers && !isWriteInFlight()) {
                return null;
            }
            closing = true;
            parkedCloseLingers = lingers;
            if (lingers) {
                cancelInFlight();
            } else {
                cancelWriteInFlight();
            }
            return task -> {
                parkedClose = task;
                runParkedCloseIfSettled();
            };
        }

        private void runParkedCloseIfSettled() {
            Runnable close = parkedClose;
            if (close == null || (parkedCloseLingers ? !inFlight.isEmptyButNotifications() : isWriteInFlight())) {
                return;
            }
            parkedClose = null;
            if (parkedCloseLingers) {
                GlobalEventExecutor.INSTANCE.execute(close); // close(2) blocks for up to SO_LINGER seconds
            } else {
                close.run();
            }
        }

        /** Called by the loop as it shuts down. */
        @Override
        public void close() {
            close(voidPromise());
        }

        /**
         * The loop released this channel's registration: after the channel's own deregistration (moving loops,
         * or closing), or because the loop itself is gone (its shutdown released every registration). Only a
         * channel that deregistered itself and is still open outlives the registration; a move parked while the
         * old loop drained goes on now.
         */
        @Override
        public void unregistered() {
            Relocation relocation = AbstractUringChannel.this.relocation;
            ChannelPromise parked = relocation == null ? null : relocation.drained();
            if (open && registration == null) {
                if (parked != null) {
                    registerWithLoop(parked);
                }
                return;
            }
            open = false;
            active = false;
            if (relocation != null) {
                relocation.replay(this);
            }
            closeFd();
        }
    }
}
