package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;

/**
 * A provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}): buffers handed to the kernel in advance, from
 * which ops with {@code IOSQE_BUFFER_SELECT} (e.g. {@link SubmissionQueue#addRecvMultishot}) pick one when
 * data arrives. The completion names the buffer: {@code flags >>> IORING_CQE_BUFFER_SHIFT}.
 *
 * <p>Add buffers with {@link #add}, then make them visible with one {@link #publish()} (a store-release of
 * the 16-bit tail). Buffer memory must stay valid while the kernel may still pick it.
 */
public final class BufferRing implements AutoCloseable {
    private final RingRegistrar registrar;
    private final NativeMemory memory;
    private final int groupId;
    private final int entries;
    private final int mask;
    /** Our tail: buffers added so far (published or not). The kernel only reads it. */
    private short tail;
    private boolean closed;

    BufferRing(RingRegistrar registrar, NativeMemory memory, int groupId, int entries) {
        this.registrar = registrar;
        this.memory = memory;
        this.groupId = groupId;
        this.entries = entries;
        this.mask = entries - 1;
    }

    public int groupId() {
        return groupId;
    }

    public int entries() {
        return entries;
    }

    /**
     * Queues buffer {@code bufferId} ({@code len} bytes at {@code addr}) for the kernel; invisible to it until
     * {@link #publish()}. The caller keeps at most {@link #entries()} buffers in the ring at once.
     */
    public void add(long addr, int len, int bufferId) {
        int entry = (tail & mask) * Abi.Buf.SIZE;
        memory.putLong(entry + Abi.Buf.ADDR, addr);
        memory.putInt(entry + Abi.Buf.LEN, len);
        memory.putShort(entry + Abi.Buf.BID, (short) bufferId);
        tail++;
    }

    /** Makes every buffer added so far visible to the kernel. */
    public void publish() {
        memory.setShortRelease(Abi.Buf.RING_TAIL, tail);
    }

    /** Unregisters the group and frees the ring memory; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        registrar.unregisterBufferRing(this);
        memory.close();
    }
}
