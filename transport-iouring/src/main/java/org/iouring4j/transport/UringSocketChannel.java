package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.FileRegion;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.internal.StringUtil;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SockAddr;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection on io_uring: the drop-in replacement for {@code NioSocketChannel} and
 * {@code EpollSocketChannel}.
 *
 * <p>Reads are RECV SQEs into pooled direct buffers sized by the channel's {@link RecvByteBufAllocator}; with
 * auto-read on, one read is always in flight. Writes are WRITEV SQEs gathering the flushed buffers of the
 * {@link ChannelOutboundBuffer} (one write in flight, partial writes resumed), or a SEND when there is one buffer
 * to write; a {@link FileRegion} is copied through a direct buffer in chunks. Connects are CONNECT SQEs with the
 * channel's connect timeout.
 *
 * <p>Why RECV and SEND for single buffers rather than a one-iovec READV/WRITEV: they go straight to
 * {@code sock_recvmsg}/{@code sock_sendmsg}, while the vectored ops copy the iovec in at prep and pass through
 * the VFS read/write path (file position, access checks, {@code sock_read_iter}) for every op. On small messages
 * that was ~4% of the server's CPU in the 64-connection echo profile ({@code SocketOpBenchmark} isolates it).
 */
public final class UringSocketChannel extends AbstractUringChannel implements SocketChannel {
    /** Data tags telling this channel's writes apart: gathered buffers, or a chunk of a FileRegion. */
    private static final int DATA_GATHER = 1;
    private static final int DATA_FILE_CHUNK = 2;
    private static final int FILE_CHUNK_SIZE = 64 * 1024;
    /**
     * IORING_RECVSEND_POLL_FIRST and IORING_CQE_F_SOCK_NONEMPTY (a RECV's completion says whether the socket still
     * holds data) both came in Linux 5.19.
     */
    private static final boolean SOCKET_STATE_KNOWN = Uring.LINUX_5_19_SOCKET_OPS;

    private final UringSocketChannelConfig config;

    /** The buffer of the RECV in flight, if any: released with its completion. */
    private ByteBuf readBuffer;
    /** {@code read()} was asked for since the last delivered read (Netty's readPending). */
    private boolean readRequested;
    /** A read loop is under way: the next RECV continues it and must not wait for data. */
    private boolean inReadLoop;
    /**
     * The last read left the socket empty: the next read loop's first RECV arms its poll at once
     * ({@code IORING_RECVSEND_POLL_FIRST}) instead of first trying a receive that would only answer EAGAIN.
     */
    private boolean socketDrained;
    /** The peer shut its output down (POLLRDHUP): read to the end even if nobody asked to read. */
    private boolean rdHupReceived;
    /** Inside the pipeline callbacks of a read completion, where read() must not submit a second read. */
    private boolean processingRead;

    private final GatheringWrite gatheringWrite = new GatheringWrite();
    /**
     * A write is in the kernel. Stays set until its written buffers are removed from the outbound buffer, so
     * that a listener writing and flushing from inside that removal does not gather them a second time.
     */
    private boolean writeInFlight;
    private long writeUserData;
    /** The outbound buffer the in-flight write came from; Netty forgets it when the channel starts closing. */
    private ChannelOutboundBuffer writeOutbound;
    /** A close waiting for the in-flight write's completion (see {@link StreamUnsafe#prepareToClose()}). */
    private Runnable pendingClose;
    /**
     * The peer's end of input arrived while a write was in the kernel: close once that write completes, so a
     * reset it runs into is reported as the reset it is, not as a clean close.
     */
    private boolean closeWhenWriteDone;
    private ByteBuf fileChunk;
    private final ChunkTarget chunkTarget = new ChunkTarget();

    private ChannelPromise connectPromise;
    private Future<?> connectTimeout;
    private InetSocketAddress requestedRemoteAddress;

    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;

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
        return new StreamUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        LinuxSocket.bind(fd(), checkResolved(localAddress), isIpv6());
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
    protected void doDisconnect() throws Exception {
        doClose();
    }

    @Override
    protected void doClose() throws Exception {
        if (writeInFlight) {
            gatheringWrite.retainUntilCompleted(); // Netty releases the flushed buffers right after this
        }
        ChannelPromise promise = connectPromise;
        if (promise != null) {
            connectPromise = null;
            promise.tryFailure(new ClosedChannelException());
        }
        cancelConnectTimeout();
        super.doClose();
    }

    // ---- reads ----

    @Override
    void registered() {
        if (isActive()) {
            armRdHupPoll(); // an accepted connection
        }
    }

    /**
     * Watches for the peer shutting its output down, as epoll's EPOLLRDHUP does: with auto-read off and no
     * read asked for, nothing else would notice, and a half-closed or closed connection would go unreported.
     * One POLL_ADD per connection, completing once.
     */
    private void armRdHupPoll() {
        ops.clear().opcode(Opcode.POLL_ADD).fd(fd()).opFlags(IoUring.POLLRDHUP);
        submit();
    }

    private void rdHupCompleted(int res) {
        if (res <= 0 || !isOpen() || inputShutdown) {
            return; // cancelled by close, or already at end of input
        }
        rdHupReceived = true;
        if (readBuffer == null && !processingRead) {
            startRead();
        }
    }

    @Override
    protected void doBeginRead() {
        readRequested = true;
        if (readBuffer == null && !processingRead) {
            startRead();
        }
    }

    /** Called when auto-read is switched off: an in-flight read still delivers what it gets, then reading stops. */
    void clearReadPending() {
        if (!isRegistered() || eventLoop().inEventLoop()) {
            readRequested = false;
        } else {
            eventLoop().execute(() -> readRequested = false);
        }
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void startRead() {
        if (inputShutdown || !isActive() || !isRegisteredWithHandler()) {
            return;
        }
        // A read loop (Netty's unit ended by channelReadComplete) starts with a RECV that waits for data. While
        // the allocator's handle asks to go on (a full buffer: maybe more data), further RECVs carry
        // MSG_DONTWAIT: a drained socket answers -EAGAIN at once, as a non-blocking read would, and the loop ends.
        // A waiting RECV there could hold back channelReadComplete, and a response, indefinitely.
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        if (!inReadLoop) {
            allocHandle.reset(config);
        }
        ByteBuf buf = allocHandle.allocate(alloc());
        if (!buf.isDirect()) {
            // The kernel writes into native memory; a heap buffer from a custom allocator is swapped out.
            ByteBuf direct = alloc().directBuffer(buf.capacity());
            buf.release();
            buf = direct;
        }
        int writable = buf.writableBytes();
        allocHandle.attemptedBytesRead(writable);
        ops.clear().opcode(Opcode.RECV).fd(fd()).address(BufferAddress.of(buf, buf.writerIndex())).length(writable)
                .opFlags(inReadLoop ? LinuxSocket.MSG_DONTWAIT : 0)
                .ioPrio(!inReadLoop && socketDrained && SOCKET_STATE_KNOWN ? IoUring.IORING_RECVSEND_POLL_FIRST : 0);
        if (submit() == -1) {
            buf.release();
            inReadLoop = false;
            return;
        }
        readBuffer = buf;
    }

    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    private void readCompleted(int res, int flags) {
        ByteBuf buf = readBuffer;
        readBuffer = null;
        if (!isOpen() || res == -Errno.ECANCELED) {
            buf.release();
            inReadLoop = false;
            return;
        }
        RecvByteBufAllocator.Handle allocHandle = unsafe().recvBufAllocHandle();
        boolean continueLoop = false;
        processingRead = true;
        try {
            // The kernel says whether data is still queued (TCP always knows); before 5.19 a full buffer is the
            // only hint. A full buffer with the socket known empty ends the read loop here, saving the RECV that
            // would only have answered EAGAIN.
            boolean dataQueued = SOCKET_STATE_KNOWN ? (flags & IoUring.IORING_CQE_F_SOCK_NONEMPTY) != 0
                    : res == allocHandle.attemptedBytesRead();
            socketDrained = !dataQueued;
            if (res > 0) {
                buf.writerIndex(buf.writerIndex() + res);
                allocHandle.lastBytesRead(res);
                allocHandle.incMessagesRead(1);
                readRequested = false;
                pipeline().fireChannelRead(buf);
                continueLoop = isOpen() && !inputShutdown && dataQueued && allocHandle.continueReading();
            } else {
                buf.release();
                allocHandle.lastBytesRead(res == -Errno.EAGAIN ? 0 : -1);
            }
            inReadLoop = continueLoop;
            if (!continueLoop) {
                allocHandle.readComplete();
                pipeline().fireChannelReadComplete();
            }
            if (res == 0) {
                shutdownInputAfterEof();
            } else if (res < 0 && res != -Errno.EAGAIN) {
                pipeline().fireExceptionCaught(new NativeIoException(Opcode.name(Opcode.RECV), res));
                shutdownInputAfterEof();
            }
        } finally {
            processingRead = false;
        }
        if (isOpen() && (continueLoop || readRequested || rdHupReceived || config.isAutoRead())) {
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
        if (!config.isAllowHalfClosure()) {
            if (writeInFlight) {
                closeWhenWriteDone = true; // the write's result decides: ECONNRESET fails it, else a clean close
            } else {
                unsafe().close(unsafe().voidPromise());
            }
            return;
        }
        inputShutdown = true;
        try {
            LinuxSocket.shutdown(fd(), LinuxSocket.SHUT_RD);
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
            ByteBuf buf = (ByteBuf) msg;
            return buf.isDirect() ? buf : newDirectBuffer(buf);
        }
        if (msg instanceof FileRegion) {
            return msg;
        }
        throw new UnsupportedOperationException("unsupported message type: " + StringUtil.simpleClassName(msg)
                + " (expected: ByteBuf, FileRegion)");
    }

    /** A direct copy of a heap buffer (the kernel reads native memory); the original is released. */
    private ByteBuf newDirectBuffer(ByteBuf buf) {
        int readable = buf.readableBytes();
        if (readable == 0) {
            ReferenceCountUtil.safeRelease(buf);
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf direct = alloc().directBuffer(readable);
        direct.writeBytes(buf, buf.readerIndex(), readable);
        ReferenceCountUtil.safeRelease(buf);
        return direct;
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (writeInFlight || !isRegisteredWithHandler()) {
            return; // the in-flight write's completion continues with the rest
        }
        writeOutbound = in;
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                return;
            }
            if (msg instanceof ByteBuf) {
                if (submitGatheringWrite(in)) {
                    return;
                }
            } else if (msg instanceof FileRegion) {
                if (submitFileChunk(in, (FileRegion) msg)) {
                    return;
                }
            } else {
                in.remove(new UnsupportedOperationException(
                        "unsupported message type: " + StringUtil.simpleClassName(msg)));
            }
        }
    }

    /** @return true if a write was submitted; false if only empty buffers were found (and removed) */
    private boolean submitGatheringWrite(ChannelOutboundBuffer in) throws Exception {
        long bytes = gatheringWrite.gather(in, UringSocketChannelConfig.MAX_BYTES_PER_WRITE);
        if (bytes == 0) {
            gatheringWrite.completed();
            in.removeBytes(0);
            return false;
        }
        if (gatheringWrite.isSingleBuffer()) {
            // One contiguous buffer: no iovec needed, and a ByteBuf's readable bytes always fit SEND's length.
            ops.clear().opcode(Opcode.SEND).fd(fd()).address(gatheringWrite.singleBufferAddress())
                    .length((int) bytes).opFlags(LinuxSocket.MSG_NOSIGNAL).data(DATA_GATHER);
        } else {
            int iovecs = handler().reserveScratch(gatheringWrite.iovecBytes());
            NativeMemory scratch = handler().scratchMemory();
            int count = gatheringWrite.writeIovecs(scratch, iovecs);
            ops.clear().opcode(Opcode.WRITEV).fd(fd()).address(scratch.address() + iovecs).length(count)
                    .data(DATA_GATHER);
        }
        writeUserData = submit();
        if (writeUserData == -1) {
            gatheringWrite.completed();
            throw new ClosedChannelException();
        }
        writeInFlight = true;
        return true;
    }

    /** @return true if a SEND of the next chunk was submitted; false if the region was done (and removed) */
    private boolean submitFileChunk(ChannelOutboundBuffer in, FileRegion region) throws Exception {
        long remaining = region.count() - region.transferred();
        if (remaining <= 0) {
            in.remove();
            return false;
        }
        ByteBuf chunk = alloc().directBuffer((int) Math.min(FILE_CHUNK_SIZE, remaining));
        try {
            chunkTarget.target = chunk;
            region.transferTo(chunkTarget, region.transferred());
        } catch (Throwable t) {
            chunk.release();
            throw t;
        } finally {
            chunkTarget.target = null;
        }
        if (!chunk.isReadable()) {
            chunk.release();
            throw new IOException("FileRegion " + region + " yielded no bytes at " + region.transferred() + " of "
                    + region.count());
        }
        fileChunk = chunk;
        return submitFileChunkWrite();
    }

    private boolean submitFileChunkWrite() throws ClosedChannelException {
        ByteBuf chunk = fileChunk;
        ops.clear().opcode(Opcode.SEND).fd(fd()).address(BufferAddress.of(chunk, chunk.readerIndex()))
                .length(chunk.readableBytes()).opFlags(LinuxSocket.MSG_NOSIGNAL).data(DATA_FILE_CHUNK);
        writeUserData = submit();
        if (writeUserData == -1) {
            releaseFileChunk();
            throw new ClosedChannelException();
        }
        writeInFlight = true;
        return true;
    }

    private void releaseFileChunk() {
        if (fileChunk != null) {
            fileChunk.release();
            fileChunk = null;
        }
    }

    private void writeCompleted(int opcode, int res, int data) {
        if (data == DATA_GATHER) {
            gatheringWrite.completed();
        }
        ChannelOutboundBuffer in = writeOutbound;
        StreamUnsafe unsafe = (StreamUnsafe) unsafe();
        boolean outputGone = unsafe.outboundBuffer() == null && pendingClose == null; // closed or shut down
        if (!isOpen() || res == -Errno.ECANCELED || res < 0 || outputGone) {
            writeInFlight = false;
            releaseFileChunk();
            if (pendingClose != null) {
                runPendingClose(); // Netty fails what was not written
            } else if (res < 0 && res != -Errno.ECANCELED && !outputGone && isOpen()) {
                unsafe.writeFailed(new NativeIoException(Opcode.name(opcode), res));
            } else if (closeWhenWriteDone && isOpen()) {
                unsafe.close(unsafe.voidPromise());
            }
            return;
        }
        if (data == DATA_GATHER) {
            in.removeBytes(res);
        } else {
            in.progress(res);
            fileChunk.skipBytes(res);
            if (fileChunk.isReadable() && pendingClose == null) {
                try {
                    submitFileChunkWrite(); // the socket took part of the chunk: send the rest first
                } catch (ClosedChannelException e) {
                    writeInFlight = false;
                    unsafe.writeFailed(e);
                }
                return;
            }
            releaseFileChunk();
            FileRegion region = (FileRegion) in.current();
            if (region != null && region.transferred() >= region.count()) {
                in.remove();
            }
        }
        writeInFlight = false;
        if (pendingClose != null) {
            runPendingClose();
        } else if (closeWhenWriteDone) {
            unsafe.close(unsafe.voidPromise());
        } else {
            unsafe.writeMore();
        }
    }

    private void runPendingClose() {
        Runnable close = pendingClose;
        pendingClose = null;
        close.run();
    }

    /** Receives a {@link FileRegion}'s bytes into a direct buffer, as much as the buffer has room for. */
    private static final class ChunkTarget implements WritableByteChannel {
        ByteBuf target;

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), target.writableBytes());
            ByteBuffer slice = src.duplicate();
            slice.limit(slice.position() + n);
            target.writeBytes(slice);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // The chunk buffer belongs to the channel.
        }
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
            ((StreamUnsafe) unsafe()).closeIfClosedPublic();
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
        if (writeInFlight) {
            gatheringWrite.retainUntilCompleted(); // Netty fails and releases the flushed buffers next
        }
        LinuxSocket.shutdown(fd(), LinuxSocket.SHUT_WR);
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
        inLoop(() -> {
            try {
                checkConnected();
                LinuxSocket.shutdown(fd(), LinuxSocket.SHUT_RD);
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
        inLoop(() -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
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

    private void inLoop(Runnable task) {
        EventLoop loop = eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** This channel's handle in the loop: routes its completions, connects, continues writes. */
    private final class StreamUnsafe extends AbstractUringUnsafe {
        @Override
        void completed(UringIoEvent event) {
            switch (event.opcode()) {
                case Opcode.RECV:
                    readCompleted(event.res(), event.flags());
                    break;
                case Opcode.SEND:
                case Opcode.WRITEV:
                    writeCompleted(event.opcode(), event.res(), event.data());
                    break;
                case Opcode.CONNECT:
                    connectCompleted(event.res());
                    break;
                case Opcode.POLL_ADD:
                    rdHupCompleted(event.res());
                    break;
                default:
                    break;
            }
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

        /**
         * A close while a write is in the kernel waits for that write's completion, so its promise tells the
         * truth: with Netty's NIO, bytes flushed before {@code close()} have been handed to the socket and their
         * write succeeds. The write is cancelled at once, so one the peer cannot take does not hold the close
         * up; what it had written still counts. Not while the loop shuts down: see below.
         */
        @Override
        protected Executor prepareToClose() {
            // While the loop shuts down it could no longer run the rest of a deferred close (Netty hands that
            // to the loop as a task): close at once; the in-flight write's buffers are retained in doClose().
            if (!writeInFlight || pendingClose != null || eventLoop().isShuttingDown()) {
                return null;
            }
            ops.clear().opcode(Opcode.ASYNC_CANCEL).address(writeUserData).data(DATA_CANCEL);
            submit();
            return task -> pendingClose = task;
        }

        void closeIfClosedPublic() {
            closeIfClosed();
        }

        /** Continues with what is left in the outbound buffer after a write completed. */
        void writeMore() {
            flush0();
        }

        void writeFailed(Throwable cause) {
            handleWriteError(cause);
        }
    }
}
