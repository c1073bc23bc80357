package org.iouring4j.ring.internal;

import com.sun.jna.Native;

/**
 * The one door to the kernel: every system call this library makes passes through here.
 *
 * <p>Each method returns what the kernel would return to C code calling the raw syscall: a non-negative
 * result, or {@code -errno}. Turning failures into exceptions is the caller's job, because only the caller
 * knows which op failed (see {@code NativeIoException}). Reading {@code errno} is itself a JNI call
 * ({@link Native#getLastError()}), made only on the failure path.
 *
 * <p>Not API: the public classes of {@code org.iouring4j.ring} wrap these with names and checks.
 */
public final class Syscalls {
    /**
     * io_uring syscall numbers. Since Linux 5.1 every architecture except alpha uses the unified numbers
     * 425/426/427 for {@code io_uring_setup/enter/register} (x86_64, aarch64, riscv64, ppc64, s390x, ...).
     */
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    static final long SYS_IO_URING_REGISTER = 427;

    private Syscalls() {
    }

    /** Forces JNA to load and bind libc now; throws {@link LinkageError} when JNA cannot work here. */
    public static void ensureLinked() {
        LibC.sysconf(30 /* _SC_PAGESIZE */);
    }

    /**
     * Bytes in a native pointer and a C {@code long} of this process (8 and 8 in a 64-bit, LP64 process), as JNA
     * measured them when it loaded.
     */
    public static int[] pointerAndLongSize() {
        return new int[] {Native.POINTER_SIZE, Native.LONG_SIZE};
    }

    private static int errno() {
        return Native.getLastError();
    }

    private static int result(int ret) {
        return ret < 0 ? -errno() : ret;
    }

    private static long result(long ret) {
        return ret < 0 ? -errno() : ret;
    }

    /** {@code io_uring_setup(entries, params)}: a ring fd, or -errno. */
    public static int ioUringSetup(int entries, long params) {
        return (int) result(LibC.syscall(SYS_IO_URING_SETUP, entries, params, 0, 0, 0, 0));
    }

    /** {@code io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz)}: SQEs consumed, or -errno. */
    public static int ioUringEnter(int fd, int toSubmit, int minComplete, int flags, long arg, long argSize) {
        return (int) result(LibC.syscall(SYS_IO_URING_ENTER, fd, toSubmit, minComplete, flags & 0xFFFFFFFFL,
                arg, argSize));
    }

    /** {@code io_uring_register(fd, opcode, arg, nr_args)}: opcode-specific result, or -errno. */
    public static int ioUringRegister(int fd, int opcode, long arg, int nrArgs) {
        return (int) result(LibC.syscall(SYS_IO_URING_REGISTER, fd, opcode, arg, nrArgs, 0, 0));
    }

    /** {@code mmap}: the mapped address, or -errno (MAP_FAILED is -1, never a valid user address). */
    public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        long ret = LibC.mmap(addr, length, prot, flags, fd, offset);
        return ret == -1 ? -errno() : ret;
    }

    public static int munmap(long addr, long length) {
        return result(LibC.munmap(addr, length));
    }

    /** {@code calloc(1, size)}: zeroed memory, or 0 when the C heap is exhausted. */
    public static long calloc(long size) {
        return LibC.calloc(1, size);
    }

    public static void free(long addr) {
        LibC.free(addr);
    }

    public static int close(int fd) {
        return result(LibC.close(fd));
    }

    public static long read(int fd, long buf, long count) {
        return result(LibC.read(fd, buf, count));
    }

    public static long write(int fd, long buf, long count) {
        return result(LibC.write(fd, buf, count));
    }

    public static int eventfd(int initval, int flags) {
        return result(LibC.eventfd(initval, flags));
    }

    /** {@code pipe2}: writes two ints at {@code fds}. */
    public static int pipe2(long fds, int flags) {
        return result(LibC.pipe2(fds, flags));
    }

    /** {@code socketpair}: writes two ints at {@code fds}. */
    public static int socketpair(int domain, int type, int protocol, long fds) {
        return result(LibC.socketpair(domain, type, protocol, fds));
    }

    /** {@code open(path, flags, mode)} with {@code path} a NUL-terminated string in native memory. */
    public static int open(long path, int flags, int mode) {
        return result(LibC.open(path, flags, mode));
    }

    /** {@code fcntl(fd, cmd, arg)} for the commands taking an integer argument (or none: pass 0). */
    public static int fcntl(int fd, int cmd, long arg) {
        return result(LibC.fcntl(fd, cmd, arg));
    }

    public static int socket(int domain, int type, int protocol) {
        return result(LibC.socket(domain, type, protocol));
    }

    public static int bind(int fd, long addr, int addrlen) {
        return result(LibC.bind(fd, addr, addrlen));
    }

    public static int listen(int fd, int backlog) {
        return result(LibC.listen(fd, backlog));
    }

    public static int connect(int fd, long addr, int addrlen) {
        return result(LibC.connect(fd, addr, addrlen));
    }

    public static int accept4(int fd, long addr, long addrlen, int flags) {
        return result(LibC.accept4(fd, addr, addrlen, flags));
    }

    public static int getsockname(int fd, long addr, long addrlen) {
        return result(LibC.getsockname(fd, addr, addrlen));
    }

    public static int getpeername(int fd, long addr, long addrlen) {
        return result(LibC.getpeername(fd, addr, addrlen));
    }

    public static int setsockopt(int fd, int level, int name, long value, int len) {
        return result(LibC.setsockopt(fd, level, name, value, len));
    }

    public static int getsockopt(int fd, int level, int name, long value, long len) {
        return result(LibC.getsockopt(fd, level, name, value, len));
    }

    public static int shutdown(int fd, int how) {
        return result(LibC.shutdown(fd, how));
    }

    public static int getrlimit(int resource, long rlim) {
        return result(LibC.getrlimit(resource, rlim));
    }

    public static int setrlimit(int resource, long rlim) {
        return result(LibC.setrlimit(resource, rlim));
    }

    /** The system page size. */
    public static int pageSize() {
        return (int) LibC.sysconf(30 /* _SC_PAGESIZE on Linux */);
    }
}
