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
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_APPEND = 0x400;
    /** Writes return once the data (and the metadata needed to read it) is on the device. */
    public static final int O_DSYNC = 0x1000;
    /**
     * Direct I/O: transfers bypass the page cache, so buffer address, file offset and length must be aligned as
     * the file system says ({@code statx} {@code STATX_DIOALIGN}; usually the device's logical block size). Its
     * value differs between architectures, unlike the flags above: 0x4000 on x86_64, riscv64, s390x and the other
     * generic-ABI ones, 0x10000 on arm and aarch64, 0x20000 on powerpc.
     */
    public static final int O_DIRECT = directFlag(System.getProperty("os.arch", ""));
    /** Non-blocking (x86_64, aarch64 and the other generic-ABI architectures; not alpha, sparc, parisc). */
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_GETPIPE_SZ = 1032;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;

    private FileDescriptors() {
    }

    /** {@code O_DIRECT} on the architecture named as {@code os.arch} names it. */
    static int directFlag(String osArch) {
        if (osArch.equals("aarch64") || osArch.startsWith("arm")) {
            return 0x10000;
        }
        if (osArch.startsWith("ppc") || osArch.startsWith("powerpc")) {
            return 0x20000;
        }
        return 0x4000;
    }

    /** A close-on-exec pipe: {@code [readEnd, writeEnd]}. */
    public static int[] pipe() throws NativeIoException {
        return pipe(0);
    }

    /**
     * A close-on-exec pipe with more {@code pipe2} flags (e.g. {@link #O_NONBLOCK}): {@code [readEnd, writeEnd]}.
     */
    public static int[] pipe(int flags) throws NativeIoException {
        try (NativeMemory fds = NativeMemory.allocate(2 * Integer.BYTES)) {
            check("pipe2", Syscalls.pipe2(fds.address(), flags | O_CLOEXEC));
            return new int[] {fds.getInt(0), fds.getInt(Integer.BYTES)};
        }
    }

    /** The capacity of the pipe {@code fd} is an end of, in bytes ({@code F_GETPIPE_SZ}). */
    public static int pipeSize(int fd) throws NativeIoException {
        return (int) check("fcntl(F_GETPIPE_SZ)", Syscalls.fcntl(fd, F_GETPIPE_SZ, 0));
    }

    /**
     * Asks for a pipe capacity of at least {@code bytes} ({@code F_SETPIPE_SZ}; the kernel rounds up to a power of
     * two pages). An unprivileged process may not exceed {@code /proc/sys/fs/pipe-max-size}, nor grow pipes once its
     * user holds {@code pipe-user-pages-soft} pages of them (EPERM).
     *
     * @return the capacity the pipe now has
     */
    public static int setPipeSize(int fd, int bytes) throws NativeIoException {
        return (int) check("fcntl(F_SETPIPE_SZ)", Syscalls.fcntl(fd, F_SETPIPE_SZ, bytes));
    }

    /**
     * A close-on-exec duplicate of {@code fd} ({@code F_DUPFD_CLOEXEC}): a second descriptor of the same open file,
     * which stays valid when the original is closed.
     */
    public static int dup(int fd) throws NativeIoException {
        return (int) check("fcntl(F_DUPFD_CLOEXEC)", Syscalls.fcntl(fd, F_DUPFD_CLOEXEC, 0));
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
