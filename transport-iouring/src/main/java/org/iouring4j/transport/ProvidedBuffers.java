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
 * replaced.
 *
 * <p>An incrementally consumed ring ({@code IOU_PBUF_RING_INC}, Linux 6.12) lets one buffer carry several
 * receives: the kernel puts each receive's bytes right after the previous one's and says
 * {@code IORING_CQE_F_BUF_MORE} while the buffer has room left, so a 64-byte message takes 64 bytes of a buffer,
 * not a whole one. The loop then hands out a retained slice of the receive's bytes and keeps the buffer in the
 * ring; the receive that fills it (no {@code BUF_MORE}) gets the last slice, the ring's reference to the buffer
 * is released, and the slot is refilled. The kernel fills a buffer's receives in the order their completions are posted, which
 * is what lets a per-buffer count of bytes handed out say where the next receive's bytes start. Loop thread only.
 */
final class ProvidedBuffers implements AutoCloseable {
    /** The buffer group the loop's receives select from: one group per ring. */
    static final int GROUP_ID = 1;

    private final BufferRing ring;
    private final ByteBufAllocator allocator;
    private final int bufferSize;
    /** The buffer each id stands for while it is in the kernel's ring; null when its slot could not be refilled. */
    private final ByteBuf[] buffers;
    /** Incremental rings only: the bytes of each buffer already handed out, where its next receive's bytes start. */
    private final int[] consumed;
    /** Slots left empty because an allocation failed: refilled before the next receive is armed. */
    private int emptySlots;
    private long exhausted;
    private long allocated;

    private ProvidedBuffers(BufferRing ring, ByteBufAllocator allocator, int bufferSize, boolean incremental) {
        this.ring = ring;
        this.allocator = allocator;
        this.bufferSize = bufferSize;
        this.buffers = new ByteBuf[ring.entries()];
        this.consumed = incremental ? new int[ring.entries()] : null;
    }

    /**
     * Registers a ring of {@code entries} buffers of {@code bufferSize} bytes with {@code uring} and fills it;
     * {@code incremental}: consumed a receive at a time ({@code IOU_PBUF_RING_INC}).
     *
     * @throws NativeIoException when the kernel refuses the registration
     */
    static ProvidedBuffers open(Ring uring, int entries, int bufferSize, boolean incremental,
            ByteBufAllocator allocator) throws NativeIoException {
        BufferRing ring = uring.registrar().registerBufferRing(GROUP_ID, entries,
                incremental ? IoUring.IOU_PBUF_RING_INC : 0);
        ProvidedBuffers provided = new ProvidedBuffers(ring, allocator, bufferSize, incremental);
        provided.emptySlots = entries;
        provided.refill();
        return provided;
    }

    /**
     * Takes out the buffer a completion with {@code cqeFlags} used, holding its {@code bytes}, and puts a fresh
     * one in its slot; from an incremental ring whose buffer has room left ({@code BUF_MORE}), a retained slice of
     * the receive's bytes, the buffer staying in the ring.
     *
     * @return the received bytes, now the caller's; null when the flags name no buffer
     */
    ByteBuf take(int cqeFlags, int bytes) {
        if ((cqeFlags & IoUring.IORING_CQE_F_BUFFER) == 0) {
            return null;
        }
        int id = cqeFlags >>> IoUring.IORING_CQE_BUFFER_SHIFT;
        ByteBuf buf = buffers[id];
        int length = Math.max(0, bytes);
        int start = 0;
        if (consumed != null) {
            start = consumed[id];
            if ((cqeFlags & IoUring.IORING_CQE_F_BUF_MORE) != 0) {
                // The kernel keeps the buffer and fills its rest with the next receives: hand out this one's bytes.
                consumed[id] = start + length;
                return buf.retainedSlice(start, length);
            }
            consumed[id] = 0;
        }
        // The kernel is done with the buffer. Untouched before, it becomes the caller's; with earlier receives'
        // slices still out there, the caller gets a slice too (one whole buffer handed out would let a
        // discardReadBytes() or a write past its bytes overwrite theirs), and the ring's reference goes.
        buffers[id] = null;
        ByteBuf received;
        if (start == 0) {
            received = buf.writerIndex(length);
        } else {
            received = buf.retainedSlice(start, length);
            buf.release();
        }
        if (!fill(id)) {
            emptySlots++;
        }
        ring.publish();
        return received;
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

    /** How many buffers the ring has been filled with so far (the first fill included). */
    long buffersAllocated() {
        return allocated;
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
        allocated++;
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
