package org.iouring4j.ring.file;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Iovec;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SubmissionQueue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A read or write at a file position: READ/WRITE into one buffer, READV/WRITEV over several, READ_FIXED/WRITE_FIXED
 * through a registered buffer. Completes with the count transferred (0 for a read at end of file), and moves the
 * position of the {@link ByteBuffer}s it was given past the bytes transferred, as {@code FileChannel} would.
 */
final class TransferOp extends FileOp {
    final CompletableFuture<Integer> result = new CompletableFuture<>();
    private final int opcode;
    /** Data address, or the iovec array for READV/WRITEV. */
    private final long address;
    /** Byte count, or the iovec count for READV/WRITEV. */
    private final int length;
    private final long position;
    /** The one buffer whose position advances; also keeps its memory reachable while the kernel uses it. */
    private final ByteBuffer buffer;
    /** The buffers of a vectored op whose positions advance, in order. */
    private final ByteBuffer[] buffers;
    /** The iovec array this op built for {@link #buffers}; freed at completion. */
    private final NativeMemory iovecs;
    private final RegisteredBuffer registered;

    private TransferOp(UringFile file, int opcode, long address, int length, long position, ByteBuffer buffer,
                       ByteBuffer[] buffers, NativeMemory iovecs, RegisteredBuffer registered) {
        super(file);
        this.opcode = opcode;
        this.address = address;
        this.length = length;
        this.position = position;
        this.buffer = buffer;
        this.buffers = buffers;
        this.iovecs = iovecs;
        this.registered = registered;
    }

    /** READ or WRITE of {@code length} bytes at {@code address}. */
    static TransferOp plain(UringFile file, boolean write, long address, int length, long position) {
        return new TransferOp(file, write ? Opcode.WRITE : Opcode.READ, address, length, position, null, null, null,
                null);
    }

    /** READ or WRITE of a direct buffer's remaining bytes. */
    static TransferOp buffer(UringFile file, boolean write, ByteBuffer buffer, long position) {
        return new TransferOp(file, write ? Opcode.WRITE : Opcode.READ, NativeMemory.positionAddressOf(buffer),
                buffer.remaining(), position, buffer, null, null, null);
    }

    /** READV or WRITEV over the caller's iovec array, which must stay valid until completion. */
    static TransferOp vectored(UringFile file, boolean write, long iovecs, int count, long position) {
        return new TransferOp(file, write ? Opcode.WRITEV : Opcode.READV, iovecs, count, position, null, null, null,
                null);
    }

    /** READV or WRITEV over the remaining bytes of direct buffers, through an iovec array built here. */
    static TransferOp vectored(UringFile file, boolean write, ByteBuffer[] buffers, long position) {
        if (buffers.length == 0 || buffers.length > Iovec.IOV_MAX) {
            throw new IllegalArgumentException("need 1 to " + Iovec.IOV_MAX + " buffers: " + buffers.length);
        }
        long[] addresses = new long[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            addresses[i] = NativeMemory.positionAddressOf(UringFile.checkDirect(buffers[i], !write));
        }
        NativeMemory iovecs = NativeMemory.allocate(buffers.length * Iovec.SIZE);
        for (int i = 0; i < buffers.length; i++) {
            Iovec.put(iovecs, i * Iovec.SIZE, addresses[i], buffers[i].remaining());
        }
        return new TransferOp(file, write ? Opcode.WRITEV : Opcode.READV, iovecs.address(), buffers.length, position,
                null, buffers.clone(), iovecs, null);
    }

    /** READ_FIXED or WRITE_FIXED of {@code length} bytes from {@code offset} of a registered buffer. */
    static TransferOp registered(UringFile file, boolean write, RegisteredBuffer buffer, int offset, int length,
                                 long position) {
        return new TransferOp(file, write ? Opcode.WRITE_FIXED : Opcode.READ_FIXED, buffer.address() + offset, length,
                position, null, null, null, buffer);
    }

    @Override
    String name() {
        return Opcode.name(opcode);
    }

    @Override
    boolean isTransfer() {
        return true;
    }

    @Override
    void prepare(SubmissionQueue sq, long userData) {
        int fixedSlot = file.fixedSlot();
        int sqe = sq.add(opcode, 0, 0, fixedSlot >= 0 ? fixedSlot : file.fd(), position, address, length, 0,
                userData);
        if (registered != null) {
            sq.setBufIndex(sqe, registered.index());
        }
        if (fixedSlot >= 0) {
            sq.orFlags(sqe, IoUring.IOSQE_FIXED_FILE);
        }
    }

    @Override
    void complete(int res, FileRing ring) {
        if (res < 0) {
            result.completeExceptionally(error(res));
            return;
        }
        if (buffer != null) {
            buffer.position(buffer.position() + res);
        } else if (buffers != null) {
            int left = res;
            for (int i = 0; i < buffers.length && left > 0; i++) {
                int n = Math.min(left, buffers[i].remaining());
                buffers[i].position(buffers[i].position() + n);
                left -= n;
            }
        }
        result.complete(res);
    }

    /** Adds what EOPNOTSUPP means on an IOPOLL ring, the one place a read or write of a file meets it. */
    @Override
    NativeIoException error(int res) {
        if (res != -Errno.EOPNOTSUPP || !file.driver().isIoPoll()) {
            return super.error(res);
        }
        String hint = file.isDirect()
                ? "IOPOLL needs a block device with poll queues (e.g. NVMe loaded with poll_queues=N), and this"
                        + " file's device or file system has none: use a driver without ioPoll"
                : "an IOPOLL ring polls only files opened with O_DIRECT";
        return new NativeIoException(name(), file.path(), res, hint);
    }

    @Override
    void fail(Throwable cause) {
        result.completeExceptionally(cause);
    }

    @Override
    void release() {
        if (iovecs != null) {
            iovecs.close();
        }
    }
}
