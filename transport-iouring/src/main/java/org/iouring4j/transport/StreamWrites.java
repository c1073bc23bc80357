package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.FileRegion;
import io.netty.util.internal.StringUtil;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.Iovec;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;

import java.nio.channels.ClosedChannelException;

/**
 * The write side of a stream channel: one write in the kernel at a time, taken from the head of the
 * {@link ChannelOutboundBuffer} and applied to it when it completes. Flushed buffers go as one WRITEV gathering
 * them, or as a SEND when there is one buffer (a SEND_ZC from the channel's threshold on: {@link ZeroCopySends});
 * a {@link DefaultFileRegion} is spliced from its file ({@link SpliceFileRegionWrite}), and other file regions (or
 * one whose file cannot be had as a descriptor) are copied through a direct buffer in chunks
 * ({@link FileRegionWrite}); other messages are the channel's own ({@code submitMessage}, e.g. passed fds).
 *
 * <p>Why one write at a time: the outbound buffer is applied in order, and a partial write (the socket took part
 * of it) must be resumed from the first unsent byte before anything after it goes.
 */
final class StreamWrites {
    /** Data tags telling the channel's writes apart: gathered buffers, or a chunk of a FileRegion. */
    private static final int DATA_GATHER = 1;
    private static final int DATA_FILE_CHUNK = 2;
    /** Data tag of a write {@code submitMessage} submitted: one message, done when it completes. */
    static final int DATA_MESSAGE = 3;

    private final AbstractUringStreamChannel channel;
    private final GatheringWrite gatheringWrite = new GatheringWrite();
    private final FileRegionWrite fileRegionWrite = new FileRegionWrite();
    private final ZeroCopySends zeroCopySends = new ZeroCopySends();
    /** Made on the channel's first spliced region: most channels never send one. */
    private SpliceFileRegionWrite spliceWrite;
    /**
     * A write is in the kernel. Stays set until its written buffers are removed from the outbound buffer, so
     * that a listener writing and flushing from inside that removal does not gather them a second time.
     */
    private boolean inFlight;
    /** The op and data tag of the write in flight, for cancelling it. */
    private int opcode;
    private int data;
    /** The outbound buffer the in-flight write came from; Netty forgets it when the channel starts closing. */
    private ChannelOutboundBuffer outbound;
    /**
     * The peer's end of input arrived while a write was in the kernel: close once that write completes, so a
     * reset it runs into is reported as the reset it is, not as a clean close.
     */
    private boolean closeWhenDone;

    StreamWrites(AbstractUringStreamChannel channel) {
        this.channel = channel;
    }

    boolean isInFlight() {
        return inFlight;
    }

    void cancel() {
        channel.cancel(opcode, data);
    }

    /** The socket is closed and every completion is in: what splicing kept open (its pipe) is closed. */
    void closed() {
        if (spliceWrite != null) {
            spliceWrite.close();
        }
    }

    /** The channel closes after the write in flight completes (see {@link #closeWhenDone}). */
    void closeWhenDone() {
        closeWhenDone = true;
    }

    /**
     * Netty is about to release the flushed buffers (closing, or shutting output down) while the kernel may still
     * read those of the write in flight: they are kept until its completion.
     */
    void keepBuffersOfWriteInFlight() {
        if (inFlight) {
            gatheringWrite.retainUntilCompleted();
        }
    }

    /** Writes what {@code in} holds, unless a write is in flight (its completion continues with the rest). */
    void write(ChannelOutboundBuffer in) throws Exception {
        if (inFlight || !channel.isRegisteredWithHandler()) {
            return;
        }
        outbound = in;
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
                int spliced = msg instanceof DefaultFileRegion && FileRegionDescriptor.isUsable()
                        ? startSplice(in, (DefaultFileRegion) msg) : SpliceFileRegionWrite.COPY;
                if (spliced == SpliceFileRegionWrite.SUBMITTED
                        || spliced == SpliceFileRegionWrite.COPY
                        && fileRegionWrite.next(in, (FileRegion) msg, channel.alloc()) && submitFileChunk()) {
                    return;
                }
            } else if (channel.submitMessage(msg)) {
                return;
            } else {
                in.remove(new UnsupportedOperationException(
                        "unsupported message type: " + StringUtil.simpleClassName(msg)));
            }
        }
    }

    /** @return true if a write was submitted; false if only empty buffers were found (and removed) */
    private boolean submitGatheringWrite(ChannelOutboundBuffer in) throws Exception {
        long bytes = gatheringWrite.gather(in, Iovec.MAX_RW_COUNT);
        if (bytes == 0) {
            gatheringWrite.completed();
            in.removeBytes(0);
            return false;
        }
        UringIoOps ops = channel.ops;
        if (gatheringWrite.isSingleBuffer()) {
            // One contiguous buffer: no iovec needed, and a ByteBuf's readable bytes always fit SEND's length.
            ops.clear().opcode(Opcode.SEND).fd(channel.socketFd()).address(gatheringWrite.singleBufferAddress())
                    .length((int) bytes).opFlags(LinuxSocket.MSG_NOSIGNAL).data(DATA_GATHER);
            if (zeroCopySends.accepts(bytes, channel.sendZcThreshold())) {
                zeroCopySends.prepare(ops);
            }
        } else {
            int iovecs = channel.handler().reserveScratch(gatheringWrite.iovecBytes());
            if (iovecs < 0) {
                gatheringWrite.completed();
                throw new NativeIoException("WRITEV (no scratch memory for its iovecs)", -Errno.ENOMEM);
            }
            NativeMemory scratch = channel.handler().scratchMemory();
            int count = gatheringWrite.writeIovecs(scratch, iovecs);
            ops.clear().opcode(Opcode.WRITEV).fd(channel.socketFd()).address(scratch.address() + iovecs)
                    .length(count).data(DATA_GATHER);
        }
        if (!submit()) {
            gatheringWrite.completed();
            throw new ClosedChannelException();
        }
        if (ops.opcode() == Opcode.SEND_ZC) {
            zeroCopySends.submitted(ops.data(), gatheringWrite.singleBuffer());
        }
        return true;
    }

    private int startSplice(ChannelOutboundBuffer in, DefaultFileRegion region) throws Exception {
        if (spliceWrite == null) {
            spliceWrite = new SpliceFileRegionWrite(channel);
        }
        int started = spliceWrite.start(in, region);
        if (started == SpliceFileRegionWrite.SUBMITTED) {
            spliceSubmitted();
        }
        return started;
    }

    /** Submits the chunk {@link #fileRegionWrite} holds; false (and the chunk released) if the channel is gone. */
    private boolean submitFileChunk() throws ClosedChannelException {
        ByteBuf chunk = fileRegionWrite.chunk();
        channel.ops.clear().opcode(Opcode.SEND).fd(channel.socketFd())
                .address(BufferAddress.of(chunk, chunk.readerIndex())).length(chunk.readableBytes())
                .opFlags(LinuxSocket.MSG_NOSIGNAL).data(DATA_FILE_CHUNK);
        if (!submit()) {
            fileRegionWrite.release();
            throw new ClosedChannelException();
        }
        return true;
    }

    /** Submits the write the channel's ops describe and remembers it as the one write in flight. */
    boolean submit() {
        if (channel.submit() == -1) {
            return false;
        }
        inFlight = true;
        opcode = channel.ops.opcode();
        data = channel.ops.data();
        return true;
    }

    /**
     * A completion of a SEND_ZC (a gathered buffer's write): its result goes on as a SEND's would; its notification
     * only unpins the buffer. A socket that refuses zero copy sent nothing: the write is made again, as a SEND.
     */
    void zeroCopyCompleted(int res, int flags, int slot) {
        if (zeroCopySends.completed(res, flags, slot)) {
            completed(Opcode.SEND_ZC, res == -Errno.EOPNOTSUPP ? 0 : res, DATA_GATHER);
        }
    }

    /** Zero-copy sends that completed on this channel (loop thread): for tests. */
    long zeroCopySendsCompleted() {
        return zeroCopySends.completedCount();
    }

    /** The write in flight completed with {@code res}: applies it to the outbound buffer and goes on. */
    void completed(int opcode, int res, int data) {
        if (opcode == Opcode.SPLICE) {
            spliceCompleted(res, data);
            return;
        }
        if (data == DATA_GATHER) {
            gatheringWrite.completed();
        }
        ChannelOutboundBuffer in = outbound;
        AbstractUringStreamChannel.StreamUnsafe unsafe = (AbstractUringStreamChannel.StreamUnsafe) channel.unsafe();
        // A parked close applies what the write did first (its promise tells the truth), then runs itself.
        boolean closePending = channel.isClosePending();
        boolean outputGone = unsafe.outboundBuffer() == null && !closePending; // closed or shut down
        boolean open = channel.isOpen();
        if (!open || res < 0 || outputGone) {
            inFlight = false;
            fileRegionWrite.release();
            if (closePending) {
                return; // Netty fails what was not written
            }
            if (res < 0 && res != -Errno.ECANCELED && !outputGone && open) {
                unsafe.writeFailed(new NativeIoException(Opcode.name(opcode), res));
            } else if (closeWhenDone && open) {
                unsafe.close(unsafe.voidPromise());
            }
            return;
        }
        if (data == DATA_GATHER) {
            in.removeBytes(res);
        } else if (data == DATA_MESSAGE) {
            in.remove();
        } else if (fileRegionWrite.written(in, res) && !closePending) {
            try {
                submitFileChunk(); // the socket took part of the chunk: send the rest first
            } catch (ClosedChannelException e) {
                inFlight = false;
                unsafe.writeFailed(e);
            }
            return;
        }
        inFlight = false;
        if (closePending) {
            fileRegionWrite.release();
        } else if (closeWhenDone) {
            unsafe.close(unsafe.voidPromise());
        } else {
            unsafe.writeMore();
        }
    }

    /** The splice in flight was submitted (by {@link #spliceWrite}, which described it in the channel's ops). */
    private void spliceSubmitted() {
        inFlight = true;
        opcode = Opcode.SPLICE;
        data = channel.ops.data();
    }

    /** A splice completed: applies it, then goes on with the region, or past it. */
    private void spliceCompleted(int res, int data) {
        AbstractUringStreamChannel.StreamUnsafe unsafe = (AbstractUringStreamChannel.StreamUnsafe) channel.unsafe();
        boolean closePending = channel.isClosePending();
        boolean open = channel.isOpen();
        inFlight = false;
        if (!open || unsafe.outboundBuffer() == null && !closePending) { // closed or shut down
            spliceWrite.finishRegion();
            if (closeWhenDone && open) {
                unsafe.close(unsafe.voidPromise());
            }
            return;
        }
        ChannelOutboundBuffer in = outbound;
        Throwable failure = spliceWrite.completed(in, data, res);
        boolean regionDone = failure == null && spliceWrite.isRegionDone();
        // With the peer's end of input seen (closeWhenDone), the region goes on rather than stops here: a peer that
        // reset fails the next splice at once, reported as the reset it is; one that only shut its output down
        // may still be reading, and the close follows the region.
        if (failure != null || regionDone || closePending) {
            spliceWrite.finishRegion();
            if (regionDone) {
                in.remove();
            }
            if (closePending) {
                return; // Netty fails what was not written
            }
            if (failure != null) {
                unsafe.writeFailed(failure);
            } else if (closeWhenDone) {
                unsafe.close(unsafe.voidPromise());
            } else {
                unsafe.writeMore();
            }
            return;
        }
        if (spliceWrite.submitStep()) {
            spliceSubmitted();
        } else {
            spliceWrite.finishRegion();
        }
    }
}
