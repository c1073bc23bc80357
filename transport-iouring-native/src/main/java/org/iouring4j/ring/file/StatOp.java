package org.iouring4j.ring.file;

import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SubmissionQueue;
import org.iouring4j.ring.internal.Abi;

import java.util.concurrent.CompletableFuture;

/** STATX of an open file (its fd with an empty path); completes with a {@link FileStat}. */
final class StatOp extends FileOp {
    private static final int MASK = IoUring.STATX_TYPE | IoUring.STATX_MODE | IoUring.STATX_SIZE
            | IoUring.STATX_BLOCKS | IoUring.STATX_DIOALIGN;

    final CompletableFuture<FileStat> result = new CompletableFuture<>();
    /** The {@code struct statx} the kernel fills, then one zero byte: the empty path. Kept until completion. */
    private final NativeMemory statx = NativeMemory.allocate(Abi.Statx.SIZE + 1);

    StatOp(UringFile file) {
        super(file);
    }

    @Override
    String name() {
        return Opcode.name(Opcode.STATX);
    }

    @Override
    void prepare(SubmissionQueue sq, long userData) {
        sq.addStatx(file.fd(), statx.address(Abi.Statx.SIZE), IoUring.AT_EMPTY_PATH, MASK, statx.address(), userData);
    }

    @Override
    void complete(int res, FileRing ring) {
        if (res < 0) {
            result.completeExceptionally(error(res));
            return;
        }
        // Fields the file system did not fill (stx_mask says which it did) read as 0 rather than as garbage.
        int filled = statx.getInt(Abi.Statx.MASK);
        boolean dio = (filled & IoUring.STATX_DIOALIGN) != 0;
        result.complete(new FileStat(
                (filled & IoUring.STATX_SIZE) != 0 ? statx.getLong(Abi.Statx.FILE_SIZE) : 0,
                statx.getInt(Abi.Statx.BLKSIZE),
                (filled & IoUring.STATX_MODE) != 0 ? statx.getShort(Abi.Statx.MODE) & 0xFFFF : 0,
                dio ? statx.getInt(Abi.Statx.DIO_MEM_ALIGN) : 0,
                dio ? statx.getInt(Abi.Statx.DIO_OFFSET_ALIGN) : 0));
    }

    @Override
    void fail(Throwable cause) {
        result.completeExceptionally(cause);
    }

    @Override
    void release() {
        statx.close();
    }
}
