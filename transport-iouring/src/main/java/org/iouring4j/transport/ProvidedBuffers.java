package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.iouring4j.ring.BufferRing;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Ring;

/**
 * An event loop's provided-buffer ring: pooled direct buffers handed to the kernel in advance, which the
 * {@link StreamReadMode#MULTISHOT} channels' receives pick from when data arrives. A connection waiting for data
 * therefore holds no buffer; the loop holds {@code entries} of them for all its connections together.
 *
 * <p>A completion that used a buffer names it ({@code IORING_CQE_F_BUFFER}, id in the upper 16 bits of the
 * flags). The loop {@link #take}s it out for the completion's handle, which owns it from then on (it goes down the
 * pipeline, released by whoever consumes it), and the slot is refilled with a fresh buffer at once, so the ring
 * stays full while the loop keeps up. When the kernel finds the ring empty anyway (a burst faster than the loop),
 * the receive ends with {@code ENOBUFS}; the channel re-arms it, and the buffers taken meanwhile have been
 * replaced. Loop thread only.
 */
final class ProvidedBuffers implements AutoCloseable {
    /** The buffer group the loop's receives select from: one group per ring. */
    static final int GROUP_ID = 1;

    private final BufferRing ring;
    private final ByteBufAllocator allocator;
    private final int bufferSize;
    /** The buffer each id stands for while it is in the kernel's ring; null when its slot could not be refilled. */
    private final ByteBuf[] buffers;
    /** Slots left empty because an allocation failed: refilled before the next receive is armed. */
    private int emptySlots;
    private long exhausted;

    private ProvidedBuffers(BufferRing ring, ByteBufAllocator allocator, int bufferSize) {
        this.ring = ring;
        this.allocator = allocator;
        this.bufferSize = bufferSize;
        this.buffers = new ByteBuf[ring.entries()];
    }

    /**
     * Registers a ring of {@code entries} buffers of {@code bufferSize} bytes with {@code uring} and fills it.
     *
     * @throws NativeIoException when the kernel refuses the registration
     */
    static ProvidedBuffers open(Ring uring, int entries, int bufferSize, ByteBufAllocator allocator)
            throws NativeIoException {
        ProvidedBuffers provided = new ProvidedBuffers(uring.registrar().registerBufferRing(GROUP_ID, entries),
                allocator, bufferSize);
        provided.emptySlots = entries;
        provided.refill();
        return provided;
    }

    /**
     * Takes out the buffer a completion with {@code cqeFlags} used, holding its {@code bytes}, and puts a fresh
     * one in its slot.
     *
     * @return the buffer, now the caller's; null when the flags name no buffer
     */
    ByteBuf take(int cqeFlags, int bytes) {
        if ((cqeFlags & IoUring.IORING_CQE_F_BUFFER) == 0) {
            return null;
        }
        int id = cqeFlags >>> IoUring.IORING_CQE_BUFFER_SHIFT;
        ByteBuf buf = buffers[id];
        buffers[id] = null;
        buf.writerIndex(Math.max(0, bytes));
        if (!fill(id)) {
            emptySlots++;
        }
        ring.publish();
        return buf;
    }

    /**
     * A receive found the ring empty ({@code ENOBUFS}): counted, and any slot an allocation left empty is filled
     * again before the receive is re-armed.
     */
    void exhausted() {
        exhausted++;
        refill();
    }

    /** How often a receive found the ring empty. */
    long exhaustedCount() {
        return exhausted;
    }

    /** Whether the ring holds at least one buffer for the kernel to pick. */
    boolean hasBuffers() {
        return emptySlots < buffers.length;
    }

    private void refill() {
        if (emptySlots == 0) {
            return;
        }
        for (int id = 0; id < buffers.length; id++) {
            if (buffers[id] == null && fill(id)) {
                emptySlots--;
            }
        }
        ring.publish();
    }

    /** Puts a new buffer in slot {@code id}; false if none could be allocated (the slot stays empty). */
    private boolean fill(int id) {
        ByteBuf buf;
        try {
            buf = allocator.directBuffer(bufferSize);
        } catch (OutOfMemoryError e) {
            return false; // out of direct memory: the ring runs with fewer buffers until a refill succeeds
        }
        buffers[id] = buf;
        ring.add(BufferAddress.of(buf, 0), bufferSize, id);
        return true;
    }

    /** Unregisters the ring and releases the buffers still in it. After the loop's last receive completed. */
    @Override
    public void close() {
        ring.close();
        for (int id = 0; id < buffers.length; id++) {
            if (buffers[id] != null) {
                buffers[id].release();
                buffers[id] = null;
            }
        }
    }
}
