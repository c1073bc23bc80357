package org.iouring4j.ring;

import org.iouring4j.ring.internal.Syscalls;

import java.nio.charset.StandardCharsets;

/**
 * Synchronous file-descriptor syscalls around the ring: creating pipes, socket pairs and files, closing,
 * and plain blocking reads and writes (setup and tests, not the I/O path).
 */
public final class FileDescriptors {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_TRUNC = 0x200;
    public static final int O_CLOEXEC = 0x80000;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;

    private FileDescriptors() {
    }

    /** A close-on-exec pipe: {@code [readEnd, writeEnd]}. */
    public static int[] pipe() throws NativeIoException {
        try (NativeMemory fds = NativeMemory.allocate(2 * Integer.BYTES)) {
            check("pipe2", Syscalls.pipe2(fds.address(), O_CLOEXEC));
            return new int[] {fds.getInt(0), fds.getInt(Integer.BYTES)};
        }
    }

    /** A connected pair of blocking AF_UNIX stream sockets. */
    public static int[] socketPair() throws NativeIoException {
        try (NativeMemory fds = NativeMemory.allocate(2 * Integer.BYTES)) {
            check("socketpair", Syscalls.socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds.address()));
            return new int[] {fds.getInt(0), fds.getInt(Integer.BYTES)};
        }
    }

    /** {@code open(2)} ({@code O_CLOEXEC} is always added). */
    public static int open(String path, int flags, int mode) throws NativeIoException {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        try (NativeMemory cPath = NativeMemory.allocate(bytes.length + 1)) {
            cPath.put(0, bytes, 0, bytes.length);
            int fd = Syscalls.open(cPath.address(), flags | O_CLOEXEC, mode);
            if (fd < 0) {
                throw new NativeIoException("open(" + path + ")", fd);
            }
            return fd;
        }
    }

    /** {@code close(2)}; EINTR is not retried (on Linux the fd is released either way). */
    public static void close(int fd) throws NativeIoException {
        check("close", Syscalls.close(fd));
    }

    /** Blocking {@code read(2)} of up to {@code len} bytes at {@code addr}; 0 at end of file. */
    public static int read(int fd, long addr, int len) throws NativeIoException {
        for (;;) {
            long ret = Syscalls.read(fd, addr, len);
            if (ret != -Errno.EINTR) {
                return (int) check("read", ret);
            }
        }
    }

    /** Blocking {@code write(2)} of up to {@code len} bytes at {@code addr}. */
    public static int write(int fd, long addr, int len) throws NativeIoException {
        for (;;) {
            long ret = Syscalls.write(fd, addr, len);
            if (ret != -Errno.EINTR) {
                return (int) check("write", ret);
            }
        }
    }

    static long check(String op, long ret) throws NativeIoException {
        if (ret < 0) {
            throw new NativeIoException(op, (int) ret);
        }
        return ret;
    }
}
