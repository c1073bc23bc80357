package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;
import io.netty.util.concurrent.Promise;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.RejectedExecutionException;

/**
 * A file read and written through an event loop's own io_uring ring: every operation is an SQE queued on the loop
 * that owns the file and completes, as a Netty {@link Future}, on that loop's thread. A handler can read a file
 * without blocking its event loop and without handing the work to another thread: the read goes into the ring
 * with the loop's socket I/O, in the same {@code io_uring_enter}.
 *
 * <pre>{@code
 * UringLoopFile.open(ctx.channel().eventLoop(), path).addListener(opened -> {
 *     UringLoopFile file = (UringLoopFile) opened.getNow();   // when opened.isSuccess()
 *     ByteBuf buf = ctx.alloc().directBuffer(65536);
 *     file.read(buf, 0, 65536).addListener(read -> ...);       // buf's writer index advanced by the bytes read
 * });
 * }</pre>
 *
 * <p><b>Threads.</b> The file belongs to the loop it was opened on (an iouring4j loop: {@link UringIoHandler}).
 * Every method may be called from any thread; off that loop the call hops onto it as a task (one allocation and,
 * when the loop sleeps, one wakeup), on it the op is queued at once. Futures complete, and their listeners run, on
 * the loop. Opening the file on the loop of the channel that uses it makes the whole exchange hop-free.
 *
 * <p><b>Buffers.</b> Reads and writes go straight between the file and a direct {@link ByteBuf} whose bytes are one
 * run of memory (a pooled or unpooled direct buffer, not a heap buffer or a composite of several): the kernel
 * reads or writes that memory when the op runs. The file retains the buffer until the completion, and the caller
 * must not touch it (its indexes included) until the future completes. The only allocation per op is its
 * promise (and a boxed byte count when it differs from the previous one).
 *
 * <p><b>Errors.</b> A failed op fails its future with a {@link NativeIoException} naming the op, the errno and the
 * file's path ({@code "READ failed on /srv/dir: EISDIR (Is a directory)"}). Ops on a closed file, and ops that a
 * {@link #close()} cancelled, fail with a {@link ClosedChannelException}.
 *
 * <p><b>Closing.</b> {@link #close()} cancels the ops still in the kernel ({@code ASYNC_CANCEL}), waits for their
 * completions (a cancelled op fails its future, one that was already running completes normally), then closes
 * the descriptor with a {@code CLOSE} op: no descriptor is closed while an op may still use it, no buffer is
 * released while the kernel may still write it. A file left open when its loop shuts down is closed the same way
 * by the loop.
 */
public final class UringLoopFile {
    private static final Logger logger = LoggerFactory.getLogger(UringLoopFile.class);
    /** Data tags of the file's own ops; slot numbers ({@link FileOpSlots}) stay below them. */
    private static final int DATA_OPEN = FileOpSlots.MAX_SLOTS;
    private static final int DATA_CLOSE = FileOpSlots.MAX_SLOTS + 1;
    private static final int DATA_CANCEL = FileOpSlots.MAX_SLOTS + 2;
    /** A created file's permissions before the umask, as {@code FileChannel.open} creates them. */
    private static final int CREATE_MODE = 0666;

    private enum State { OPENING, OPEN, CLOSING, CLOSED }

    private final IoEventLoop loop;
    private final String path;
    private final int openFlags;
    private final FileHandle handle = new FileHandle();
    /** Reused to describe every op (submission copies it into the SQE). */
    private final UringIoOps ops = new UringIoOps();
    private final FileOpSlots slots = new FileOpSlots();
    private final Promise<UringLoopFile> openPromise;
    private final Promise<Void> closePromise;
    /** Written on the loop; volatile so that {@link #isOpen()} answers on any thread. */
    private volatile State state = State.OPENING;
    private IoRegistration registration;
    private int fd = -1;
    private boolean closeStarted;
    private boolean closeSubmitted;
    /** The last byte count a read or write completed with, boxed: consecutive equal counts share it. */
    private Integer lastCount = 0;

    private UringLoopFile(IoEventLoop loop, String path, int openFlags) {
        this.loop = loop;
        this.path = path;
        this.openFlags = openFlags;
        this.openPromise = loop.newPromise();
        this.closePromise = loop.newPromise();
    }

    /**
     * Opens {@code path} ({@code OPENAT} on {@code loop}'s ring) with {@link java.nio.channels.FileChannel#open}'s
     * options and rules: {@code READ} (the default), {@code WRITE}, {@code APPEND}, {@code CREATE},
     * {@code CREATE_NEW}, {@code TRUNCATE_EXISTING}, {@code DSYNC}, {@code SPARSE} (ignored). A created file gets
     * mode {@code 0666} less the umask. A relative path resolves against {@code user.dir}, as Java resolves it.
     *
     * @param loop an iouring4j event loop (e.g. {@code channel.eventLoop()} of a {@code Uring*Channel}); the file
     *             belongs to it
     * @return a future completed on {@code loop} with the open file, or failed with a {@link NativeIoException}
     *         naming {@code OPENAT}, the errno and the path ({@code ENOENT}, {@code EACCES}, {@code EEXIST}...)
     * @throws IllegalArgumentException      when {@code loop} is not an iouring4j loop, or for options
     *                                       {@code FileChannel} refuses too ({@code READ + APPEND})
     * @throws UnsupportedOperationException for an option not listed above
     */
    public static Future<UringLoopFile> open(EventLoop loop, Path path, OpenOption... options) {
        if (!(loop instanceof IoEventLoop) || !((IoEventLoop) loop).isCompatible(FileHandle.class)) {
            throw new IllegalArgumentException("not an iouring4j event loop (UringIoHandler): " + loop);
        }
        UringLoopFile file = new UringLoopFile((IoEventLoop) loop, path.toAbsolutePath().toString(),
                FileOpenFlags.of(options));
        file.runOnLoop(file::register, file.openPromise);
        return file.openPromise;
    }

    /**
     * Reads up to {@code maxBytes} bytes at {@code position} into {@code dst}'s writable bytes, from its writer
     * index on, and advances the writer index by the bytes read. As {@code pread(2)}, a read may return fewer bytes
     * than asked: only at the end of the file for regular files.
     *
     * @param dst      a direct buffer whose bytes are one run of memory; retained until the completion, and not to
     *                 be touched until then
     * @param maxBytes the most to read: {@code min(maxBytes, dst.writableBytes())} bytes are asked for
     * @return the bytes read (&gt; 0); {@code -1} at the end of the file (nothing read); {@code 0} only when
     *         nothing was asked for ({@code maxBytes} 0 or {@code dst} full)
     * @throws IllegalArgumentException for a negative position or count, or a buffer the kernel cannot address
     */
    public Future<Integer> read(ByteBuf dst, long position, int maxBytes) {
        checkTransfer(dst, position, maxBytes);
        Promise<Integer> promise = loop.newPromise();
        int length = Math.min(maxBytes, dst.writableBytes());
        if (loop.inEventLoop()) {
            submitTransfer(Opcode.READ, dst, position, length, promise);
        } else {
            runOnLoop(() -> submitTransfer(Opcode.READ, dst, position, length, promise), promise);
        }
        return promise;
    }

    /**
     * Writes {@code src}'s readable bytes at {@code position} and advances its reader index by the bytes written
     * (in a file opened with {@code APPEND}, Linux appends whatever the position). A write may be short (a full
     * disk, a file size limit): the count says how much went.
     *
     * @param src a direct buffer whose bytes are one run of memory; retained until the completion, and not to be
     *            touched until then
     * @return the bytes written
     * @throws IllegalArgumentException for a negative position or a buffer the kernel cannot address
     */
    public Future<Integer> write(ByteBuf src, long position) {
        checkTransfer(src, position, 0);
        Promise<Integer> promise = loop.newPromise();
        int length = src.readableBytes();
        if (loop.inEventLoop()) {
            submitTransfer(Opcode.WRITE, src, position, length, promise);
        } else {
            runOnLoop(() -> submitTransfer(Opcode.WRITE, src, position, length, promise), promise);
        }
        return promise;
    }

    /** The file's size in bytes, as {@code statx(2)} tells it now ({@code STATX} on the open descriptor). */
    public Future<Long> size() {
        Promise<Long> promise = loop.newPromise();
        runOnLoop(() -> submitStatx(promise), promise);
        return promise;
    }

    /** Flushes the file's data and metadata to its device ({@code FSYNC}, as {@code fsync(2)}). */
    public Future<Void> fsync() {
        return sync(0);
    }

    /** Flushes the file's data and the metadata needed to read it ({@code FSYNC} with {@code DATASYNC}). */
    public Future<Void> fdatasync() {
        return sync(IoUring.IORING_FSYNC_DATASYNC);
    }

    private Future<Void> sync(int fsyncFlags) {
        Promise<Void> promise = loop.newPromise();
        runOnLoop(() -> submitSync(fsyncFlags, promise), promise);
        return promise;
    }

    /**
     * Closes the file: cancels what is in flight, waits for those completions, then closes the descriptor
     * ({@code CLOSE}). Every call returns the same future, which completes once the descriptor is closed; it fails
     * only if {@code close(2)} reported an error (the descriptor is released all the same).
     */
    public Future<Void> close() {
        runOnLoop(this::closeOnLoop, closePromise);
        return closePromise;
    }

    /** Whether the file is open: opened, and {@link #close()} not called (nor its loop shut down). */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** The absolute path the file was opened by (what error messages name). */
    public String path() {
        return path;
    }

    /** The event loop that owns the file and completes its futures. */
    public EventLoop eventLoop() {
        return loop;
    }

    private void runOnLoop(Runnable task, Promise<?> promise) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            promise.tryFailure(closed());
        }
    }

    private static void checkTransfer(ByteBuf buf, long position, int maxBytes) {
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0: " + position);
        }
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0: " + maxBytes);
        }
        if (!DirectBuffers.isContiguous(buf)) {
            throw new IllegalArgumentException("the kernel reads and writes native memory: pass a direct buffer whose"
                    + " bytes are one run of memory (ctx.alloc().directBuffer()), not " + buf);
        }
    }

    private void register() {
        loop.register(handle).addListener((FutureListener<IoRegistration>) this::registered);
    }

    private void registered(Future<IoRegistration> future) {
        if (!future.isSuccess()) {
            state = State.CLOSED;
            openPromise.tryFailure(future.cause());
            closePromise.trySuccess(null);
            return;
        }
        registration = future.getNow();
        UringIoHandler handler = registration.attachment();
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        // The kernel copies the path when it consumes the SQE: the loop's scratch arena holds it until then.
        int offset = handler.reserveScratch(name.length + 1);
        if (offset < 0) {
            openFailed(new NativeIoException("OPENAT", path, -Errno.ENOMEM, "no scratch memory for the path"));
            return;
        }
        NativeMemory scratch = handler.scratchMemory();
        scratch.put(offset, name, 0, name.length);
        scratch.putByte(offset + name.length, (byte) 0);
        ops.clear().opcode(Opcode.OPENAT).fd(IoUring.AT_FDCWD).address(scratch.address(offset)).length(CREATE_MODE)
                .opFlags(openFlags).data(DATA_OPEN);
        if (registration.submit(ops) == -1) {
            openFailed(closed()); // the loop is shutting down
        }
    }

    private void openFailed(Exception cause) {
        state = State.CLOSED;
        registration.cancel();
        openPromise.tryFailure(cause);
        closePromise.trySuccess(null);
    }

    private void openCompleted(int res) {
        if (res < 0) {
            openFailed(failure("OPENAT", res));
            return;
        }
        fd = res;
        if (closeStarted) {
            // The loop shut down while the file was opening: close what was opened.
            openPromise.tryFailure(closed());
            submitClose();
            return;
        }
        state = State.OPEN;
        openPromise.trySuccess(this);
    }

    /** Queues a READ or WRITE of {@code length} bytes at {@code buf}'s writer (read) or reader (write) index. */
    private void submitTransfer(int opcode, ByteBuf buf, long position, int length, Promise<Integer> promise) {
        if (length == 0 && state == State.OPEN) {
            promise.trySuccess(0);
            return;
        }
        int index = opcode == Opcode.READ ? buf.writerIndex() : buf.readerIndex();
        int slot = acquireSlot(promise);
        if (slot < 0) {
            return;
        }
        ops.clear().opcode(opcode).fd(fd).offset(position).address(BufferAddress.of(buf, index)).length(length)
                .data(slot);
        submitSlot(slot, promise, buf.retain(), index);
    }

    private void submitStatx(Promise<Long> promise) {
        int slot = acquireSlot(promise);
        if (slot < 0) {
            return;
        }
        // Written by the kernel when the op runs: a pooled buffer of its own until the completion. Its last byte is
        // the empty path that, with AT_EMPTY_PATH, makes STATX describe the descriptor itself.
        ByteBuf statx = ByteBufAllocator.DEFAULT.directBuffer(StatxLayout.SIZE + 1);
        statx.setByte(StatxLayout.SIZE, 0);
        ops.clear().opcode(Opcode.STATX).fd(fd).address(BufferAddress.of(statx, StatxLayout.SIZE))
                .offset(BufferAddress.of(statx, 0)).length(IoUring.STATX_SIZE).opFlags(IoUring.AT_EMPTY_PATH)
                .data(slot);
        submitSlot(slot, promise, statx, 0);
    }

    private void submitSync(int fsyncFlags, Promise<Void> promise) {
        int slot = acquireSlot(promise);
        if (slot < 0) {
            return;
        }
        ops.clear().opcode(Opcode.FSYNC).fd(fd).opFlags(fsyncFlags).data(slot);
        submitSlot(slot, promise, null, 0);
    }

    /** A slot for a new op, or -1 (and {@code promise} failed) when the file is not open or has too many in flight. */
    private int acquireSlot(Promise<?> promise) {
        if (state != State.OPEN) {
            promise.tryFailure(closed());
            return -1;
        }
        int slot = slots.acquire();
        if (slot < 0) {
            promise.tryFailure(new IllegalStateException(FileOpSlots.MAX_SLOTS + " ops already in flight on " + path));
        }
        return slot;
    }

    /** Queues the op described by {@link #ops} as {@code slot}'s; {@code buffer} (retained) is released on failure. */
    private void submitSlot(int slot, Promise<?> promise, ByteBuf buffer, int bufferIndex) {
        long userData = registration.submit(ops);
        if (userData == -1) {
            // The loop takes no more ops: it is shutting down.
            slots.release(slot);
            if (buffer != null) {
                buffer.release();
            }
            promise.tryFailure(closed());
            return;
        }
        slots.set(slot, ops.opcode(), promise, buffer, bufferIndex, userData);
    }

    private void closeOnLoop() {
        if (closeStarted) {
            return;
        }
        closeStarted = true;
        if (state == State.OPENING) {
            // Only the loop's shutdown closes a file still opening: the OPENAT's completion closes what it opened.
            state = State.CLOSING;
            return;
        }
        state = State.CLOSING;
        for (int slot = 0, created = slots.created(); slot < created; slot++) {
            if (slots.isInUse(slot)) {
                ops.clear().opcode(Opcode.ASYNC_CANCEL).address(slots.userData(slot)).data(DATA_CANCEL);
                registration.submit(ops);
            }
        }
        if (slots.inUse() == 0) {
            submitClose();
        }
    }

    private void submitClose() {
        if (closeSubmitted) {
            return;
        }
        closeSubmitted = true;
        ops.clear().opcode(Opcode.CLOSE).fd(fd).data(DATA_CLOSE);
        if (registration.submit(ops) == -1) {
            // The loop is being destroyed and takes no more ops, and no op uses the descriptor any more.
            closeCompleted(closeNow());
        }
    }

    /** {@code close(2)} at once: the result as a CQE would give it. */
    private int closeNow() {
        try {
            FileDescriptors.close(fd);
            return 0;
        } catch (NativeIoException e) {
            return -e.errno();
        }
    }

    private void closeCompleted(int res) {
        fd = -1; // released by Linux even when close(2) fails
        state = State.CLOSED;
        registration.cancel();
        if (res < 0) {
            closePromise.tryFailure(failure("CLOSE", res));
        } else {
            closePromise.trySuccess(null);
        }
    }

    /** A completion of one of the file's slot ops: its promise completed, its buffer released, its slot freed. */
    private void slotCompleted(int slot, int res) {
        int opcode = slots.opcode(slot);
        Promise<?> promise = slots.promise(slot);
        ByteBuf buffer = slots.buffer(slot);
        int index = slots.bufferIndex(slot);
        slots.release(slot);
        try {
            switch (opcode) {
                case Opcode.READ:
                case Opcode.WRITE:
                    transferCompleted(opcode, promise, buffer, index, res);
                    break;
                case Opcode.STATX:
                    statxCompleted(promise, buffer, res);
                    break;
                default:
                    syncCompleted(promise, res);
                    break;
            }
        } finally {
            if (state == State.CLOSING && slots.inUse() == 0) {
                submitClose();
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void transferCompleted(int opcode, Promise<?> promise, ByteBuf buffer, int index, int res) {
        Promise<Integer> counted = (Promise<Integer>) promise;
        boolean read = opcode == Opcode.READ;
        try {
            if (res > 0) {
                if (read) {
                    buffer.writerIndex(index + res);
                } else {
                    buffer.readerIndex(index + res);
                }
            }
        } finally {
            buffer.release();
        }
        if (res < 0) {
            counted.tryFailure(failure(read ? "READ" : "WRITE", res));
        } else {
            // A read of 0 bytes, when bytes were asked for, is the end of the file.
            counted.trySuccess(res == 0 && read ? Integer.valueOf(-1) : count(res));
        }
    }

    @SuppressWarnings("unchecked")
    private void statxCompleted(Promise<?> promise, ByteBuf statx, int res) {
        Promise<Long> size = (Promise<Long>) promise;
        try {
            if (res < 0) {
                size.tryFailure(failure("STATX", res));
            } else if (!StatxLayout.hasSize(statx)) {
                size.tryFailure(new NativeIoException("STATX", path, Errno.EOPNOTSUPP,
                        "the file system does not report a size"));
            } else {
                size.trySuccess(StatxLayout.size(statx));
            }
        } finally {
            statx.release();
        }
    }

    @SuppressWarnings("unchecked")
    private void syncCompleted(Promise<?> promise, int res) {
        Promise<Void> sync = (Promise<Void>) promise;
        if (res < 0) {
            sync.tryFailure(failure("FSYNC", res));
        } else {
            sync.trySuccess(null);
        }
    }

    private Integer count(int bytes) {
        Integer boxed = lastCount;
        if (boxed.intValue() != bytes) {
            boxed = bytes;
            lastCount = boxed;
        }
        return boxed;
    }

    /** The exception a failed op's future gets: a cancel by {@link #close()} reads as the file being closed. */
    private Exception failure(String op, int res) {
        if (res == -Errno.ECANCELED && closeStarted) {
            return closed();
        }
        return new NativeIoException(op, path, res, null);
    }

    private ClosedChannelException closed() {
        return new FileClosedException(path);
    }

    /**
     * The loop shut down without delivering every completion (an op still in the kernel after its 5 s wait): the
     * descriptor is closed now; the buffers of ops left in flight are not released, since the kernel may still
     * write them, and their futures fail.
     */
    private void abandoned() {
        if (state == State.CLOSED) {
            return;
        }
        closeStarted = true;
        if (fd >= 0 && !closeSubmitted) {
            closeNow(); // not after a CLOSE was queued: the number may belong to another file by now
        }
        fd = -1;
        state = State.CLOSED;
        if (slots.inUse() > 0) {
            logger.warn("{} ops of {} were still in the kernel when its event loop shut down; their buffers are left"
                    + " unreleased", slots.inUse(), this);
        }
        for (int slot = 0, created = slots.created(); slot < created; slot++) {
            if (slots.isInUse(slot)) {
                Promise<?> promise = slots.promise(slot);
                slots.release(slot);
                promise.tryFailure(closed());
            }
        }
        openPromise.tryFailure(closed());
        closePromise.trySuccess(null);
    }

    @Override
    public String toString() {
        return "UringLoopFile[" + path + ", " + state + "]";
    }

    /** The file's side of its registration with the loop's {@link UringIoHandler}. */
    private final class FileHandle implements UringIoHandle {
        @Override
        public void handle(IoRegistration from, IoEvent ioEvent) {
            UringIoEvent event = (UringIoEvent) ioEvent;
            int data = event.data();
            if (data == DATA_CANCEL) {
                return; // whatever the cancel found, its target completes with a CQE of its own
            } else if (data == DATA_OPEN) {
                openCompleted(event.res());
            } else if (data == DATA_CLOSE) {
                closeCompleted(event.res());
            } else if (slots.isInUse(data)) {
                slotCompleted(data, event.res());
            } else {
                logger.warn("{}: completion for no op in flight: {}", UringLoopFile.this, event);
            }
        }

        /** The loop shuts down: the file closes as {@link UringLoopFile#close()} closes it. */
        @Override
        public void close() {
            closeOnLoop();
        }

        @Override
        public void unregistered() {
            abandoned();
        }

        @Override
        public String toString() {
            return UringLoopFile.this.toString();
        }
    }
}
