package org.iouring4j.ring.file;


import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One buffer of a {@link RegisteredBuffers} pool: page-aligned native memory the kernel has pinned, read into and
 * written from by {@link UringFile#read(RegisteredBuffer, int, int, long)} and
 * {@link UringFile#write(RegisteredBuffer, int, int, long)} (READ_FIXED, WRITE_FIXED). Its content is reached through
 * {@link #byteBuffer()} or {@link #address()}. Owned by whoever acquired it until {@link #release()}; it must not be
 * released while an op on it is in flight.
 */
public final class RegisteredBuffer {
    private final RegisteredBuffers pool;
    private final int index;
    private final long address;
    private final int capacity;
    private final ByteBuffer view;
    private final AtomicBoolean inUse = new AtomicBoolean();

    /** {@code view}: the pool mapping's bytes of this buffer, at {@code address}. */
    RegisteredBuffer(RegisteredBuffers pool, int index, long address, ByteBuffer view) {
        this.pool = pool;
        this.index = index;
        this.address = address;
        this.capacity = view.capacity();
        this.view = view.order(ByteOrder.BIG_ENDIAN);
    }

    RegisteredBuffer acquired() {
        inUse.set(true);
        view.clear();
        return this;
    }

    RegisteredBuffers pool() {
        return pool;
    }

    /** The registered-buffer index the kernel knows it by ({@code buf_index} of the fixed ops). */
    public int index() {
        return index;
    }

    /** Address of its first byte (page-aligned). */
    public long address() {
        return address;
    }

    /** Its size in bytes. */
    public int capacity() {
        return capacity;
    }

    /**
     * A direct {@link ByteBuffer} over the whole buffer (big-endian, cleared when acquired): the same instance each
     * time, so it belongs to the acquirer like the buffer itself. Fixed ops do not move its position.
     */
    public ByteBuffer byteBuffer() {
        return view;
    }

    /**
     * Gives the buffer back to its pool. The buffer must not be used afterwards, nor released while an op on it is
     * in flight (the kernel would write into a buffer someone else took).
     *
     * @throws IllegalStateException if it is not acquired
     */
    public void release() {
        if (!inUse.compareAndSet(true, false)) {
            throw new IllegalStateException("registered buffer " + index + " released twice");
        }
        pool.giveBack(this);
    }
}
