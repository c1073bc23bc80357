package org.iouring4j.ring.file;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.SubmissionQueue;

/**
 * One file operation, from the call that makes it to its completion: what goes in its SQE and what its CQE's
 * result becomes. Made on the caller's thread, handed to the driver thread, which alone touches it from then on.
 */
abstract class FileOp {
    /** The file it acts on; null for an open, which has no file yet. */
    final UringFile file;

    FileOp(UringFile file) {
        this.file = file;
    }

    /** The op's name in errors, e.g. {@code "READ"}. */
    abstract String name();

    /** Whether it is a read or write, which goes to the ring that may poll; the rest go to the control ring. */
    boolean isTransfer() {
        return false;
    }

    /** Fills the op's SQE. */
    abstract void prepare(SubmissionQueue sq, long userData);

    /**
     * The kernel's answer: a count, an fd, 0, or {@code -errno}. Called once, on the driver thread, after which
     * the op holds nothing the kernel may still touch.
     */
    abstract void complete(int res, FileRing ring);

    /** The op never reached the kernel: fails its result with {@code cause}. */
    abstract void fail(Throwable cause);

    /** Frees native memory the op kept until its completion; called once, after complete or fail. */
    void release() {
    }

    /** The error for {@code -errno} {@code res} of this op on its file. */
    NativeIoException error(int res) {
        String hint = null;
        if (res == -Errno.ECANCELED && file != null && file.isCloseRequested()) {
            hint = "cancelled because the file was closed while the op was in flight";
        }
        return new NativeIoException(name(), file == null ? null : file.path(), res, hint);
    }
}
