package org.iouring4j.ring;

import com.sun.jna.Pointer;
import org.iouring4j.ring.internal.DirectBufferAddresses;
import org.iouring4j.ring.internal.Syscalls;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A region of native memory read and written as plain memory from Java: the rings mapped from the kernel,
 * the SQE array, iovec arrays, sockaddr scratch space, registered buffers.
 *
 * <p>Access goes through a native-order direct {@link ByteBuffer} over the region, so each get or put
 * compiles to a bounds check and a single load or store: no JNI call, no allocation. Out-of-range offsets
 * throw {@link IndexOutOfBoundsException} instead of corrupting memory, and after {@link #close()} every
 * access throws instead of touching freed memory.
 *
 * <p>This is also the one place where memory shared with the kernel is touched with an explicit ordering:
 * {@link #getIntAcquire}, {@link #setIntRelease}, {@link #getIntOpaque} and {@link #setShortRelease} name the
 * ordering that the io_uring protocol requires (see {@code io_uring_smp_load_acquire} and
 * {@code io_uring_smp_store_release} in liburing). Everything else is plain.
 *
 * <p>Instances are not thread-safe; the owner decides who touches them.
 */
public final class NativeMemory implements AutoCloseable {
    private static final VarHandle SHORT = MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /** Bytes currently allocated or mapped by this class and not yet released. */
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    /** Regions ever allocated or mapped by this class. */
    private static final AtomicLong ALLOCATIONS = new AtomicLong();

    /** How a region is given back when closed. */
    private enum Release { FREE, MUNMAP }

    private final long address;
    private final int size;
    private final Release release;
    private ByteBuffer buffer;

    private NativeMemory(long address, int size, Release release) {
        this.address = address;
        this.size = size;
        this.release = release;
        this.buffer = new Pointer(address).getByteBuffer(0, size).order(ByteOrder.nativeOrder());
        LIVE_BYTES.addAndGet(size);
        ALLOCATIONS.incrementAndGet();
    }

    /**
     * Native bytes this library currently holds (heap allocations and mappings): a leak check
     * for tests and soak runs. Setup-time bookkeeping only; no I/O path allocates native memory.
     */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /**
     * Regions allocated or mapped so far, whether released since or not: lets a test check that a
     * path allocates no native memory at all, which {@link #liveBytes()} cannot tell from a balanced alloc-free.
     */
    public static long allocationCount() {
        return ALLOCATIONS.get();
    }

    /**
     * Allocates {@code size} zeroed bytes from the C heap (8-byte aligned or better), freed by {@link #close()}.
     *
     * @throws OutOfMemoryError when the C heap cannot satisfy the request
     */
    public static NativeMemory allocate(int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        long address = Syscalls.calloc(size);
        if (address == 0) {
            throw new OutOfMemoryError("calloc(" + size + ") failed");
        }
        return new NativeMemory(address, size, Release.FREE);
    }

    /**
     * Maps {@code size} bytes of zeroed, page-aligned anonymous memory (as provided-buffer rings require),
     * unmapped by {@link #close()}.
     */
    public static NativeMemory mapAnonymous(int size) throws NativeIoException {
        long address = Syscalls.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS, -1, 0);
        if (address < 0) {
            throw new NativeIoException("mmap", (int) address);
        }
        return new NativeMemory(address, size, Release.MUNMAP);
    }

    /** Maps {@code size} bytes of a ring fd at one of the {@code IORING_OFF_*} offsets. */
    static NativeMemory mapRing(int ringFd, long offset, int size) throws NativeIoException {
        long address = Syscalls.mmap(0, size, Mman.PROT_READ | Mman.PROT_WRITE,
                Mman.MAP_SHARED | Mman.MAP_POPULATE, ringFd, offset);
        if (address < 0) {
            throw new NativeIoException("mmap(io_uring ring)", (int) address);
        }
        return new NativeMemory(address, size, Release.MUNMAP);
    }

    /**
     * The address of a direct {@link ByteBuffer}'s first byte (not of its position). Plain Java on Java 22+
     * (the foreign-memory API), one JNI call before ({@link DirectBufferAddresses}).
     *
     * @throws IllegalArgumentException if the buffer is not direct
     */
    public static long addressOf(ByteBuffer direct) {
        return positionAddressOf(direct) - direct.position();
    }

    /**
     * The address of a direct {@link ByteBuffer}'s current position, as {@link #addressOf} finds it.
     *
     * @throws IllegalArgumentException if the buffer is not direct
     */
    public static long positionAddressOf(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("not a direct buffer: " + direct);
        }
        return DirectBufferAddresses.ofPosition(direct);
    }

    /** The region's first byte, for passing to the kernel. */
    public long address() {
        return address;
    }

    /** The address of the byte at {@code offset}, checked to lie inside the region. */
    public long address(int offset) {
        java.util.Objects.checkIndex(offset, size);
        return address + offset;
    }

    public int size() {
        return size;
    }

    public boolean isOpen() {
        return buffer != null;
    }

    public byte getByte(int offset) {
        return buffer.get(offset);
    }

    public void putByte(int offset, byte value) {
        buffer.put(offset, value);
    }

    public short getShort(int offset) {
        return buffer.getShort(offset);
    }

    public void putShort(int offset, short value) {
        buffer.putShort(offset, value);
    }

    public int getInt(int offset) {
        return buffer.getInt(offset);
    }

    public void putInt(int offset, int value) {
        buffer.putInt(offset, value);
    }

    public long getLong(int offset) {
        return buffer.getLong(offset);
    }

    public void putLong(int offset, long value) {
        buffer.putLong(offset, value);
    }

    /** Copies {@code length} bytes of {@code src} starting at {@code srcOffset} to {@code offset}. */
    public void put(int offset, byte[] src, int srcOffset, int length) {
        buffer.put(offset, src, srcOffset, length);
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst} starting at {@code dstOffset}. */
    public void get(int offset, byte[] dst, int dstOffset, int length) {
        buffer.get(offset, dst, dstOffset, length);
    }

    /** Zeroes {@code length} bytes from {@code offset}. */
    public void zero(int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, size);
        int end = offset + length;
        int i = offset;
        for (; i + 8 <= end; i += 8) {
            buffer.putLong(i, 0L);
        }
        for (; i < end; i++) {
            buffer.put(i, (byte) 0);
        }
    }

    /**
     * Load-acquire of a 32-bit word the kernel writes (a ring tail we consume, a head the kernel advances):
     * later reads of the entries it guards cannot be reordered before it.
     */
    public int getIntAcquire(int offset) {
        return (int) INT.getAcquire(buffer, offset);
    }

    /**
     * Store-release of a 32-bit word the kernel reads (our SQ tail, our CQ head): the entries written before
     * it are visible to the kernel before the new index is.
     */
    public void setIntRelease(int offset, int value) {
        INT.setRelease(buffer, offset, value);
    }

    /**
     * Single-copy-atomic read of a word the kernel may change at any time, where no ordering is needed
     * (ring flags, overflow counters): the compiler may neither tear nor cache it.
     */
    public int getIntOpaque(int offset) {
        return (int) INT.getOpaque(buffer, offset);
    }

    /** Store-release of a 16-bit word the kernel reads (a provided-buffer ring's tail). */
    public void setShortRelease(int offset, short value) {
        SHORT.setRelease(buffer, offset, value);
    }

    /** A fresh native-order {@link ByteBuffer} over the whole region (for bulk copies; not for hot paths). */
    public ByteBuffer asByteBuffer() {
        return buffer.duplicate().order(ByteOrder.nativeOrder());
    }

    /** Gives the region back (free or munmap) exactly once; later calls do nothing. */
    @Override
    public void close() {
        if (buffer == null) {
            return;
        }
        buffer = null;
        LIVE_BYTES.addAndGet(-size);
        if (release == Release.FREE) {
            Syscalls.free(address);
        } else {
            Syscalls.munmap(address, size);
        }
    }

    @Override
    public String toString() {
        return "NativeMemory[0x" + Long.toHexString(address) + ", " + size + " bytes" + (isOpen() ? "" : ", closed") + "]";
    }

    /** mmap(2) constants (Linux generic values, identical on x86_64 and aarch64). */
    static final class Mman {
        static final int PROT_READ = 0x1;
        static final int PROT_WRITE = 0x2;
        static final int MAP_SHARED = 0x01;
        static final int MAP_PRIVATE = 0x02;
        static final int MAP_ANONYMOUS = 0x20;
        static final int MAP_POPULATE = 0x8000;

        private Mman() {
        }
    }
}
