package org.iouring4j.ring.file;

import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.internal.Syscalls;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A pool of buffers registered with a driver's ring ({@code IORING_REGISTER_BUFFERS}), for READ_FIXED and
 * WRITE_FIXED: the kernel pinned their pages once, at registration, instead of at every op.
 *
 * <p>The pool is one anonymous mapping cut into {@link #count()} buffers of {@link #bufferSize()} bytes, the size
 * asked for rounded up to a whole number of pages: so every buffer starts on a page boundary, which satisfies the
 * O_DIRECT alignment of any device whose logical block is at most a page. The driver creates, registers and frees
 * the pool ({@link UringFileDriver.Builder#registeredBuffers(int, int)}); a buffer is taken with
 * {@link #tryAcquire()} or {@link #acquire(long, TimeUnit)}, used for as many ops as wanted, and given back with
 * {@link RegisteredBuffer#release()}. Taking and giving back are thread-safe and allocate nothing.
 */
public final class RegisteredBuffers {
    /** {@code IORING_MAX_REG_BUFFERS}: the most buffers one ring registers. */
    public static final int MAX_COUNT = 1 << 14;

    private final NativeMemory memory;
    private final RegisteredBuffer[] buffers;
    private final ArrayBlockingQueue<RegisteredBuffer> free;
    private final int bufferSize;
    /** Set when the driver has closed; the memory is unmapped once, too, every buffer is back. */
    private volatile boolean closed;

    RegisteredBuffers(int count, int requestedSize) throws NativeIoException {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("count must be in [1, " + MAX_COUNT + "]: " + count);
        }
        int page = Syscalls.pageSize();
        if (requestedSize < 1 || requestedSize > (1 << 30)) {
            throw new IllegalArgumentException("buffer size must be in [1, 1 GiB]: " + requestedSize);
        }
        long size = (requestedSize + page - 1L) / page * page;
        if (size * count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pool of " + count + " x " + size + " bytes exceeds 2 GiB");
        }
        this.bufferSize = (int) size;
        this.memory = NativeMemory.mapAnonymous((int) (size * count));
        this.buffers = new RegisteredBuffer[count];
        this.free = new ArrayBlockingQueue<>(count);
        for (int i = 0; i < count; i++) {
            int offset = i * bufferSize; // fits: the whole mapping is at most 2 GiB (checked above)
            buffers[i] = new RegisteredBuffer(this, i, memory.address(offset),
                    memory.asByteBuffer().slice(offset, bufferSize));
            free.add(buffers[i]);
        }
    }

    /** Registers every buffer with {@code ring}: buffer {@code i} is registered buffer index {@code i}. */
    void register(Ring ring) throws NativeIoException {
        long[] addresses = new long[buffers.length];
        int[] lengths = new int[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            addresses[i] = buffers[i].address();
            lengths[i] = bufferSize;
        }
        ring.registrar().registerBuffers(addresses, lengths);
    }

    /**
     * Called once the driver's ring is closed, so no op can use the pool any more: unmaps it now if every buffer is
     * back, else when the last one comes back, so that a buffer still held never points at unmapped memory.
     */
    void free() {
        closed = true;
        unmapIfUnused();
    }

    private void unmapIfUnused() {
        synchronized (this) {
            if (closed && free.size() == buffers.length) {
                memory.close(); // idempotent
            }
        }
    }

    /** Number of buffers. */
    public int count() {
        return buffers.length;
    }

    /** Bytes per buffer: the size asked for, rounded up to a multiple of the page size. */
    public int bufferSize() {
        return bufferSize;
    }

    /** Buffers free right now. */
    public int available() {
        return free.size();
    }

    /** A free buffer (its {@link RegisteredBuffer#byteBuffer()} cleared), or null when all are taken. */
    public RegisteredBuffer tryAcquire() {
        RegisteredBuffer buffer = free.poll();
        return buffer == null ? null : buffer.acquired();
    }

    /**
     * A free buffer, waiting up to {@code timeout} for one to be given back.
     *
     * @return the buffer, or null if none came back in time
     */
    public RegisteredBuffer acquire(long timeout, TimeUnit unit) throws InterruptedException {
        RegisteredBuffer buffer = free.poll(timeout, unit);
        return buffer == null ? null : buffer.acquired();
    }

    /** Called by {@link RegisteredBuffer#release()}. */
    void giveBack(RegisteredBuffer buffer) {
        free.add(buffer);
        if (closed) {
            unmapIfUnused();
        }
    }

    /** Whether {@code buffer} belongs to this pool. */
    boolean owns(RegisteredBuffer buffer) {
        return buffer.pool() == this;
    }
}
