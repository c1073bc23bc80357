package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import org.iouring4j.ring.Iovec;
import org.iouring4j.ring.NativeMemory;

/**
 * The buffers of a stream channel's read in flight: one for a RECV, up to {@link #MAX_BUFFERS} for a READV
 * scatter read. The kernel fills them in order; the read's completion hands each filled one to the pipeline and
 * releases the others. Loop thread only.
 */
final class StreamReadBuffers {
    /** The most buffers one scatter read fills (16 × the allocator's largest guess, 64 KiB, is 1 MiB). */
    static final int MAX_BUFFERS = 16;

    private final ByteBuf[] buffers = new ByteBuf[MAX_BUFFERS];
    private int count;
    /** How many buffers the read loop's next scatter read fills: doubles while reads fill all they get. */
    private int scatter = 1;
    /** Buffers handed on since the read loop started: with the allocator's limit, what the loop may still take. */
    private int deliveredInLoop;

    /** Whether no read is in flight. */
    boolean isEmpty() {
        return count == 0;
    }

    /** How many buffers the read in flight fills. */
    int count() {
        return count;
    }

    /** A read loop starts: its first read, which waits for data, fills one buffer. */
    void newReadLoop() {
        scatter = 1;
        deliveredInLoop = 0;
    }

    /**
     * Takes the buffers of the next read, of the size {@code handle} guesses: one, or for a scatter read as many as
     * the read loop has reached, but no more than the channel's allocator still lets the loop read (each buffer
     * is one message of its {@code maxMessagesPerRead}; an allocator that states no such limit gets one buffer per
     * read), nor more bytes than one read may ask for. Each is direct: a heap buffer from a custom allocator is
     * swapped for a direct one, since the kernel writes into native memory.
     *
     * @return the bytes the buffers have room for
     */
    @SuppressWarnings("deprecation") // RecvByteBufAllocator.Handle is what recvBufAllocHandle() returns
    int allocate(RecvByteBufAllocator.Handle handle, ChannelConfig config, boolean scatterRead) {
        ByteBufAllocator alloc = config.getAllocator();
        int wanted = 1;
        if (scatterRead && scatter > 1) {
            RecvByteBufAllocator allocator = config.getRecvByteBufAllocator();
            int allowed = allocator instanceof MaxMessagesRecvByteBufAllocator
                    ? ((MaxMessagesRecvByteBufAllocator) allocator).maxMessagesPerRead() - deliveredInLoop : 1;
            wanted = Math.max(1, Math.min(scatter, allowed));
        }
        long room = 0;
        while (count < wanted) {
            ByteBuf buf = handle.allocate(alloc);
            if (!buf.isDirect()) {
                ByteBuf direct = alloc.directBuffer(buf.capacity());
                buf.release();
                buf = direct;
            }
            if (count > 0 && room + buf.writableBytes() > Iovec.MAX_RW_COUNT) {
                buf.release();
                break;
            }
            buffers[count++] = buf;
            room += buf.writableBytes();
        }
        return (int) Math.min(room, Iovec.MAX_RW_COUNT);
    }

    /** The address the first buffer is written at. */
    long firstAddress() {
        ByteBuf first = buffers[0];
        return BufferAddress.of(first, first.writerIndex());
    }

    /**
     * Writes one iovec per buffer (its writable bytes) into the loop's scratch memory, which lives until the
     * submission: the kernel copies iovecs when it takes the SQE ({@code IORING_FEAT_SUBMIT_STABLE}).
     *
     * @return the iovecs' address; 0 if the scratch memory had no room
     */
    long writeIovecs(UringIoHandler handler) {
        int offset = handler.reserveScratch(count * Iovec.SIZE);
        if (offset < 0) {
            return 0;
        }
        NativeMemory scratch = handler.scratchMemory();
        for (int i = 0; i < count; i++) {
            ByteBuf buf = buffers[i];
            Iovec.put(scratch, offset + i * Iovec.SIZE, BufferAddress.of(buf, buf.writerIndex()), buf.writableBytes());
        }
        return scratch.address() + offset;
    }

    /**
     * Hands the {@code bytes} the kernel read to {@code pipeline}, one {@code channelRead} per buffer it filled in
     * part or whole, and releases the buffers it did not reach. A read that filled them all makes the next scatter
     * read of the loop twice as wide (up to {@link #MAX_BUFFERS}); one that did not, one buffer wide again.
     *
     * @return the buffers handed on
     */
    int deliver(int bytes, ChannelPipeline pipeline) {
        int n = count;
        count = 0; // before firing: a handler may start the next read
        scatter = 1;
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            ByteBuf buf = buffers[i];
            buffers[i] = null;
            int filled = Math.min(bytes, buf.writableBytes());
            if (filled == 0) {
                buf.release();
                continue;
            }
            bytes -= filled;
            buf.writerIndex(buf.writerIndex() + filled);
            delivered++;
            deliveredInLoop++;
            if (delivered == n && !buf.isWritable()) {
                scatter = Math.min(2 * n, MAX_BUFFERS);
            }
            pipeline.fireChannelRead(buf);
        }
        return delivered;
    }

    /** Releases the buffers: the read failed, was cancelled, or only carried passed fds. */
    void release() {
        for (int i = 0; i < count; i++) {
            buffers[i].release();
            buffers[i] = null;
        }
        count = 0;
    }
}
