package org.iouring4j.ring.file;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file opened through io_uring, read and written asynchronously at explicit positions.
 *
 * <p>Open one with {@link #open(UringFileDriver, Path, int, int)}; every op is submitted to the ring of that
 * {@link UringFileDriver} and returns a {@link CompletableFuture}. Ops may be made from any thread; they complete on
 * the driver thread, so dependent stages without {@code Async} run there and must not block it (use the
 * {@code *Async} variants for slow work). Ops on one file are not ordered: wait for a write's future before a sync
 * that must cover it, as with {@code AsynchronousFileChannel}.
 *
 * <p><b>Results.</b> Reads and writes complete with the number of bytes transferred. A read at or past the end of
 * the file completes with 0, a read across it with the bytes that were there (a short read); {@link #readFully} and
 * {@link #writeFully} resume short transfers until done or at end of file. A failed op completes exceptionally with
 * a {@link NativeIoException} naming the op, the errno and this file's path.
 *
 * <p><b>Buffers.</b> {@link ByteBuffer}s must be <em>direct</em>: the kernel reads or writes their memory while the
 * op runs, and a heap buffer can move. A heap buffer is refused with {@link IllegalArgumentException} rather than
 * silently copied. The bytes from the buffer's position to its limit are transferred, and on completion the position
 * moves past them, as with {@code FileChannel}. Until the op completes the buffer belongs to the kernel: do not
 * touch it. Native memory can be passed by address instead, and buffers of the driver's {@link RegisteredBuffers}
 * pool by their {@link RegisteredBuffer} (READ_FIXED, WRITE_FIXED, which skip pinning the pages per op).
 *
 * <p><b>O_DIRECT</b> ({@link FileDescriptors#O_DIRECT}): position and length must be multiples of the file system's
 * alignment ({@link FileStat#directIoOffsetAlignment()}; {@link DirectIo} helps), else the op fails with EINVAL; so
 * should the buffer's address ({@link FileStat#directIoMemoryAlignment()}), though whether a misaligned one fails
 * is the file system's and device's call (ext4 on virtio-blk under Linux 6.18 read into one anyway). Registered
 * buffers are page-aligned. Not every file system supports O_DIRECT (the open fails with EINVAL).
 *
 * <p><b>Closing.</b> {@link #closeAsync()} makes later ops fail with EBADF at once (never reaching a reused fd
 * number), asks the kernel to cancel ops in flight (they complete with ECANCELED, or normally if already running),
 * and closes the fd after the last of them completed. Closing the driver closes every file still open.
 */
public final class UringFile implements Closeable {
    private final UringFileDriver driver;
    private final String path;
    private final int fd;
    private final int flags;
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final CompletableFuture<Void> closeResult = new CompletableFuture<>();

    // Driver-thread state (FileRing): ops accepted and not completed, the close waiting for them, the fixed slot.
    int outstanding;
    private ControlOp pendingClose;
    private boolean closeStarted;
    /** Registered-file slot, or -1. Set before the open's future completes, which publishes it to the caller. */
    private int fixedSlot = -1;

    UringFile(UringFileDriver driver, String path, int fd, int flags) {
        this.driver = driver;
        this.path = path;
        this.fd = fd;
        this.flags = flags;
    }

    /**
     * Opens {@code path} through {@code driver}'s ring (OPENAT; {@code O_CLOEXEC} is always added).
     *
     * @param flags {@code FileDescriptors.O_*}: an access mode ({@code O_RDONLY}, {@code O_WRONLY}, {@code O_RDWR})
     *              and any of {@code O_CREAT}, {@code O_EXCL}, {@code O_TRUNC}, {@code O_APPEND}, {@code O_DSYNC},
     *              {@code O_DIRECT}
     * @param mode  permission bits for a file {@code O_CREAT} creates, e.g. {@code 0644}
     * @return the open file, or a {@link NativeIoException} naming OPENAT, the errno (ENOENT, EACCES, EISDIR for a
     *         directory opened for writing, EINVAL for O_DIRECT where unsupported) and the path
     */
    public static CompletableFuture<UringFile> open(UringFileDriver driver, Path path, int flags, int mode) {
        OpenOp op = new OpenOp(driver, path.toString(), flags, mode);
        driver.execute(op);
        return op.result;
    }

    /** The path it was opened by. */
    public String path() {
        return path;
    }

    /** The file descriptor (valid until the close completes). */
    public int fd() {
        return fd;
    }

    /** The flags it was opened with ({@code O_CLOEXEC} included). */
    public int flags() {
        return flags;
    }

    /** Whether it was opened with {@code O_DIRECT}. */
    public boolean isDirect() {
        return (flags & FileDescriptors.O_DIRECT) != 0;
    }

    /** Whether reads and writes name it by a registered-file slot ({@code IOSQE_FIXED_FILE}) rather than its fd. */
    public boolean isRegistered() {
        return fixedSlot >= 0;
    }

    /** The driver whose ring runs its ops. */
    public UringFileDriver driver() {
        return driver;
    }

    /** Whether no close was asked for yet. */
    public boolean isOpen() {
        return !closeRequested.get();
    }

    /** Reads up to {@code dst.remaining()} bytes at {@code position} into a direct buffer. */
    public CompletableFuture<Integer> read(ByteBuffer dst, long position) {
        return submit(TransferOp.buffer(this, false, checkDirect(dst, true), checkPosition(position)));
    }

    /** Writes {@code src.remaining()} bytes of a direct buffer at {@code position} (short writes are possible). */
    public CompletableFuture<Integer> write(ByteBuffer src, long position) {
        return submit(TransferOp.buffer(this, true, checkDirect(src, false), checkPosition(position)));
    }

    /** Reads up to {@code length} bytes at {@code position} into native memory at {@code address}. */
    public CompletableFuture<Integer> read(long address, int length, long position) {
        return submit(TransferOp.plain(this, false, checkAddress(address, length), length, checkPosition(position)));
    }

    /** Writes {@code length} bytes of native memory at {@code address} at {@code position}. */
    public CompletableFuture<Integer> write(long address, int length, long position) {
        return submit(TransferOp.plain(this, true, checkAddress(address, length), length, checkPosition(position)));
    }

    /** Scatter read (READV) at {@code position} into the remaining bytes of direct buffers, filled in order. */
    public CompletableFuture<Integer> read(ByteBuffer[] dsts, long position) {
        return submit(TransferOp.vectored(this, false, dsts, checkPosition(position)));
    }

    /** Gather write (WRITEV) at {@code position} of the remaining bytes of direct buffers, in order. */
    public CompletableFuture<Integer> write(ByteBuffer[] srcs, long position) {
        return submit(TransferOp.vectored(this, true, srcs, checkPosition(position)));
    }

    /**
     * READV over {@code count} {@code struct iovec}s at {@code iovecs} (see {@code org.iouring4j.ring.Iovec}); the
     * array and the memory it points to must stay valid until completion.
     */
    public CompletableFuture<Integer> readv(long iovecs, int count, long position) {
        return submit(TransferOp.vectored(this, false, checkAddress(iovecs, count), count, checkPosition(position)));
    }

    /** WRITEV over {@code count} iovecs at {@code iovecs}, valid (with their memory) until completion. */
    public CompletableFuture<Integer> writev(long iovecs, int count, long position) {
        return submit(TransferOp.vectored(this, true, checkAddress(iovecs, count), count, checkPosition(position)));
    }

    /** READ_FIXED: reads up to {@code length} bytes at {@code position} into {@code buffer} from {@code offset}. */
    public CompletableFuture<Integer> read(RegisteredBuffer buffer, int offset, int length, long position) {
        return submit(TransferOp.registered(this, false, checkRegistered(buffer, offset, length), offset, length,
                checkPosition(position)));
    }

    /** WRITE_FIXED: writes {@code length} bytes of {@code buffer} from {@code offset} at {@code position}. */
    public CompletableFuture<Integer> write(RegisteredBuffer buffer, int offset, int length, long position) {
        return submit(TransferOp.registered(this, true, checkRegistered(buffer, offset, length), offset, length,
                checkPosition(position)));
    }

    /**
     * Reads until {@code dst} is full or the end of the file, resuming after short reads; completes with the total
     * (less than {@code dst}'s remaining bytes only at end of file).
     */
    public CompletableFuture<Integer> readFully(ByteBuffer dst, long position) {
        return FullTransfer.start(this, false, checkDirect(dst, true), checkPosition(position));
    }

    /**
     * Writes all of {@code src}, resuming after short writes; completes with the total, or with less if a write
     * made no progress.
     */
    public CompletableFuture<Integer> writeFully(ByteBuffer src, long position) {
        return FullTransfer.start(this, true, checkDirect(src, false), checkPosition(position));
    }

    /** {@code fsync}: data and metadata on stable storage. */
    public CompletableFuture<Void> sync() {
        return submit(ControlOp.sync(this, false));
    }

    /** {@code fdatasync}: data, and only the metadata needed to read it back, on stable storage. */
    public CompletableFuture<Void> dataSync() {
        return submit(ControlOp.sync(this, true));
    }

    /** {@code fallocate(0, position, length)}: allocates blocks, growing the file if the range ends past it. */
    public CompletableFuture<Void> allocate(long position, long length) {
        return allocate(0, position, length);
    }

    /** {@code fallocate(mode, position, length)} with {@code IoUring.FALLOC_FL_*} mode bits. */
    public CompletableFuture<Void> allocate(int mode, long position, long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive: " + length);
        }
        return submit(ControlOp.allocate(this, mode, checkPosition(position), length));
    }

    /** {@code statx} of the open file: size, block size, type and O_DIRECT alignment. */
    public CompletableFuture<FileStat> stat() {
        StatOp op = new StatOp(this);
        if (rejectedAsClosed(op)) {
            return op.result;
        }
        driver.execute(op);
        return op.result;
    }

    /** The file's size, by {@link #stat()}. */
    public CompletableFuture<Long> size() {
        return stat().thenApply(FileStat::size);
    }

    /**
     * Closes the file once the ops in flight have completed or been cancelled; idempotent: every call returns the
     * same future. Later ops fail with EBADF.
     */
    public CompletableFuture<Void> closeAsync() {
        if (closeRequested.compareAndSet(false, true)) {
            driver.execute(ControlOp.close(this));
        }
        return closeResult;
    }

    /**
     * {@link #closeAsync()}, waiting for it unless called on the driver thread (where waiting would stop the very
     * thread that completes it; the close then finishes after the calling callback returns).
     *
     * @throws IOException the close's failure, e.g. a {@link NativeIoException} from CLOSE
     */
    @Override
    public void close() throws IOException {
        CompletableFuture<Void> result = closeAsync();
        if (driver.inDriverThread()) {
            return;
        }
        try {
            result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while closing " + path, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException ? (IOException) cause : new IOException(cause);
        }
    }

    @Override
    public String toString() {
        return "UringFile[" + path + ", fd=" + fd + (isRegistered() ? ", slot=" + fixedSlot : "")
                + (isOpen() ? "" : ", closed") + "]";
    }

    private CompletableFuture<Integer> submit(TransferOp op) {
        if (rejectedAsClosed(op)) {
            op.release();
            return op.result;
        }
        driver.execute(op);
        return op.result;
    }

    private CompletableFuture<Void> submit(ControlOp op) {
        if (!rejectedAsClosed(op)) {
            driver.execute(op);
        }
        return op.result;
    }

    /** After close, an op fails here, in Java: its fd number may already belong to a file opened since. */
    private boolean rejectedAsClosed(FileOp op) {
        if (!closeRequested.get()) {
            return false;
        }
        op.fail(closedError(op.name()));
        op.release();
        return true;
    }

    /** The error of an op made after close: EBADF, as the kernel would answer for a closed fd. */
    NativeIoException closedError(String op) {
        return new NativeIoException(op, path, Errno.EBADF, "the file is closed");
    }

    /** {@code buffer}, checked to be direct, and writable if the kernel is to read into it. */
    static ByteBuffer checkDirect(ByteBuffer buffer, boolean readInto) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("a heap ByteBuffer cannot be handed to the kernel (the GC may move"
                    + " it): use a direct buffer, e.g. ByteBuffer.allocateDirect or a RegisteredBuffer");
        }
        if (readInto && buffer.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only buffer: " + buffer);
        }
        return buffer;
    }

    private static long checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("position must not be negative: " + position);
        }
        return position;
    }

    private static long checkAddress(long address, int length) {
        if (address == 0 || length < 0) {
            throw new IllegalArgumentException("bad memory: address=" + address + " length=" + length);
        }
        return address;
    }

    private RegisteredBuffer checkRegistered(RegisteredBuffer buffer, int offset, int length) {
        RegisteredBuffers pool = driver.registeredBuffersOrNull();
        if (pool == null || !pool.owns(buffer)) {
            throw new IllegalArgumentException("buffer " + buffer.index() + " is not registered with " + driver);
        }
        Objects.checkFromIndexSize(offset, length, buffer.capacity());
        return buffer;
    }

    // Driver-thread accessors for FileRing.

    CompletableFuture<Void> closeResult() {
        return closeResult;
    }

    boolean isCloseRequested() {
        return closeRequested.get();
    }

    /** Marks the file closed for new ops, without queueing a close (the driver closes it itself). */
    boolean markCloseRequested() {
        return closeRequested.compareAndSet(false, true);
    }

    ControlOp pendingClose() {
        return pendingClose;
    }

    void pendingClose(ControlOp close) {
        pendingClose = close;
    }

    boolean isCloseStarted() {
        return closeStarted;
    }

    void closeStarted() {
        closeStarted = true;
    }

    int fixedSlot() {
        return fixedSlot;
    }

    void fixedSlot(int slot) {
        fixedSlot = slot;
    }

    /** Whether its fd is still open and the driver may close it itself. */
    boolean needsClosingByDriver() {
        return pendingClose == null && !closeStarted;
    }
}
