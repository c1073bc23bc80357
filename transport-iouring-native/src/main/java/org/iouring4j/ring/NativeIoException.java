package org.iouring4j.ring;

import java.io.IOException;

/**
 * A system call or io_uring operation that failed with an errno.
 *
 * <p>The message names the operation and the errno, e.g.
 * {@code "WRITEV failed: EBADF (Bad file descriptor)"}, so a log line alone tells what went wrong. An operation on a
 * file also names the file: {@code "READ failed on /data/x: EISDIR (Is a directory)"}.
 */
public class NativeIoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String op;
    private final int errno;
    private final String path;

    /**
     * @param op    the syscall or io_uring op that failed, e.g. {@code "io_uring_enter"} or {@code "READV"}
     * @param errno the errno, positive or negative (the kernel's {@code -errno} convention is accepted)
     */
    public NativeIoException(String op, int errno) {
        this(op, errno, null);
    }

    /** As {@link #NativeIoException(String, int)}, with a hint appended to the message. */
    public NativeIoException(String op, int errno, String hint) {
        this(op, null, errno, hint);
    }

    /**
     * An operation on the file at {@code path} that failed.
     *
     * @param op    the op, e.g. {@code "READ"}
     * @param path  the file it was made on, or null when none applies
     * @param errno the errno, positive or negative
     * @param hint  more context appended to the message, or null
     */
    public NativeIoException(String op, String path, int errno, String hint) {
        super(op + " failed" + (path == null ? "" : " on " + path) + ": " + Errno.name(errno) + " ("
                + Errno.message(errno) + ")" + (hint == null ? "" : ": " + hint));
        this.op = op;
        this.errno = Math.abs(errno);
        this.path = path;
    }

    /** The syscall or op that failed. */
    public String op() {
        return op;
    }

    /** The positive errno, e.g. {@link Errno#EBADF}. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code "EBADF"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The path of the file the op was made on, or null when the op names no file. */
    public String path() {
        return path;
    }
}
