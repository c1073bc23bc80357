package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import org.iouring4j.ring.Iovec;
import org.iouring4j.ring.NativeMemory;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The buffers of a channel's one write in flight: gathered from the head of the
 * {@link ChannelOutboundBuffer}, turned into an iovec array for a WRITEV (or, when they are one contiguous
 * buffer, an address for a SEND), and kept alive until the write's completion.
 *
 * <p>Netty releases flushed buffers as soon as a channel closes or shuts its output down, but the kernel may
 * still be reading them. {@link #retainUntilCompleted()} takes a reference to each at that moment, and
 * {@link #completed()} gives it back when the CQE arrives, so the ordinary path costs no reference counting.
 */
final class GatheringWrite implements ChannelOutboundBuffer.MessageProcessor {
    private ByteBuf[] buffers = new ByteBuf[4];
    private int count;
    private int iovecs;
    private long bytes;
    private long maxBytes;
    private boolean retained;

    /**
     * Collects the flushed {@link ByteBuf}s at the head of {@code in} (up to IOV_MAX iovecs and about
     * {@code maxBytes}), stopping at the first message of another type.
     *
     * @return the number of bytes gathered (0 if the head holds only empty buffers)
     */
    long gather(ChannelOutboundBuffer in, long maxBytes) throws Exception {
        this.maxBytes = maxBytes;
        in.forEachFlushedMessage(this);
        return bytes;
    }

    @Override
    public boolean processMessage(Object msg) {
        if (!(msg instanceof ByteBuf)) {
            return false;
        }
        ByteBuf buf = (ByteBuf) msg;
        int readable = buf.readableBytes();
        if (readable == 0) {
            return true; // removed with the bytes before it; nothing for the kernel to read
        }
        int needed = buf.hasMemoryAddress() ? 1 : Math.max(buf.nioBufferCount(), 1);
        if (count > 0 && (iovecs + needed > Iovec.IOV_MAX || bytes + readable > maxBytes)) {
            return false;
        }
        if (count == buffers.length) {
            buffers = Arrays.copyOf(buffers, count * 2);
        }
        buffers[count++] = buf;
        iovecs += needed;
        bytes += readable;
        return iovecs < Iovec.IOV_MAX && bytes < maxBytes;
    }

    /** Whether what was gathered is one contiguous range of memory, which a SEND writes without an iovec. */
    boolean isSingleBuffer() {
        return iovecs == 1 && buffers[0].hasMemoryAddress();
    }

    /** The address of the gathered bytes when {@link #isSingleBuffer()}. */
    long singleBufferAddress() {
        ByteBuf buf = buffers[0];
        return buf.memoryAddress() + buf.readerIndex();
    }

    /** The one buffer gathered when {@link #isSingleBuffer()}. */
    ByteBuf singleBuffer() {
        return buffers[0];
    }

    /** Bytes of scratch memory the iovec array needs. */
    int iovecBytes() {
        return iovecs * Iovec.SIZE;
    }

    /**
     * Writes the iovec array at {@code offset} of {@code memory}.
     *
     * @return the number of iovecs written
     */
    int writeIovecs(NativeMemory memory, int offset) {
        int written = 0;
        for (int i = 0; i < count; i++) {
            ByteBuf buf = buffers[i];
            int index = buf.readerIndex();
            int readable = buf.readableBytes();
            if (buf.hasMemoryAddress()) {
                Iovec.put(memory, offset + written++ * Iovec.SIZE, buf.memoryAddress() + index, readable);
                continue;
            }
            // Composite (or address-less) direct buffers: one iovec per underlying NIO buffer.
            for (ByteBuffer nio : buf.nioBuffers(index, readable)) {
                if (nio.hasRemaining() && written < iovecs) {
                    Iovec.put(memory, offset + written++ * Iovec.SIZE, BufferAddress.of(nio), nio.remaining());
                }
            }
        }
        return written;
    }

    /** The channel is closing with this write in the kernel: keep its buffers alive until it completes. */
    void retainUntilCompleted() {
        if (retained) {
            return;
        }
        retained = true;
        for (int i = 0; i < count; i++) {
            buffers[i].retain();
        }
    }

    /** The write completed (or was never submitted): drop the references to its buffers. */
    void completed() {
        for (int i = 0; i < count; i++) {
            if (retained) {
                buffers[i].release();
            }
            buffers[i] = null;
        }
        count = 0;
        iovecs = 0;
        bytes = 0;
        retained = false;
    }
}
