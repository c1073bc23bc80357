package org.iouring4j.ring.file;

import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SubmissionQueue;

import java.util.concurrent.CompletableFuture;

/**
 * An op on a file that moves no data: FSYNC (optionally DATASYNC), FALLOCATE or CLOSE. Completes with nothing, or
 * fails. Always made on the file's real fd on the control ring: an IOPOLL ring refuses these ops, and STATX-like
 * ops do not take registered files anyway, so there is one rule for all of them.
 */
final class ControlOp extends FileOp {
    final CompletableFuture<Void> result;
    private final int opcode;
    private final int flags;
    private final long offset;
    private final long length;

    private ControlOp(UringFile file, int opcode, int flags, long offset, long length,
                      CompletableFuture<Void> result) {
        super(file);
        this.result = result;
        this.opcode = opcode;
        this.flags = flags;
        this.offset = offset;
        this.length = length;
    }

    /** {@code fsync}, or {@code fdatasync} when {@code dataOnly}. */
    static ControlOp sync(UringFile file, boolean dataOnly) {
        return new ControlOp(file, Opcode.FSYNC, dataOnly ? IoUring.IORING_FSYNC_DATASYNC : 0, 0, 0,
                new CompletableFuture<>());
    }

    /** {@code fallocate(mode, offset, length)}. */
    static ControlOp allocate(UringFile file, int mode, long offset, long length) {
        return new ControlOp(file, Opcode.FALLOCATE, mode, offset, length, new CompletableFuture<>());
    }

    /** CLOSE of the file's fd, completing the file's one close future (however many times close was asked). */
    static ControlOp close(UringFile file) {
        return new ControlOp(file, Opcode.CLOSE, 0, 0, 0, file.closeResult());
    }

    boolean isClose() {
        return opcode == Opcode.CLOSE;
    }

    @Override
    String name() {
        return Opcode.name(opcode);
    }

    @Override
    void prepare(SubmissionQueue sq, long userData) {
        int fd = file.fd();
        switch (opcode) {
            case Opcode.FSYNC:
                sq.addFsync(fd, flags, 0, 0, userData);
                break;
            case Opcode.FALLOCATE:
                sq.addFallocate(fd, flags, offset, length, userData);
                break;
            default:
                sq.addClose(fd, userData);
                break;
        }
    }

    @Override
    void complete(int res, FileRing ring) {
        if (res < 0) {
            result.completeExceptionally(error(res));
        } else {
            result.complete(null);
        }
    }

    @Override
    void fail(Throwable cause) {
        result.completeExceptionally(cause);
    }
}
