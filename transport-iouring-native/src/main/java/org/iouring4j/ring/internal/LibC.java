package org.iouring4j.ring.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The libc functions this library calls, bound once through JNA <em>direct mapping</em>.
 *
 * <p>Direct mapping ({@link Native#register}) turns each {@code native} method below into a plain JNI
 * call with no reflection, boxing or argument arrays, which is what keeps a call at ~0.1–0.3 µs. Every
 * argument is a primitive; pointers travel as {@code long} addresses.
 *
 * <p>{@code syscall(2)} is variadic in C, and direct mapping cannot express varargs. It is bound here with a
 * fixed prototype of seven {@code long}s. That is safe on the ABIs we target: on x86_64 and aarch64 (Linux)
 * variadic integer arguments travel in the same registers as fixed ones, and glibc's {@code syscall} is a
 * register shuffle that never reads {@code va_list} state (nor {@code %al} on x86_64). Unused trailing
 * arguments are passed as zero.
 *
 * <p>All functions return what libc returns ({@code -1} and {@code errno} on failure). Callers go through
 * {@link Syscalls}, which converts that into the kernel's {@code -errno} convention.
 */
final class LibC {
    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    static native long mmap(long addr, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long addr, long length);

    static native long malloc(long size);

    static native long calloc(long count, long size);

    static native void free(long addr);

    static native int close(int fd);

    static native long read(int fd, long buf, long count);

    static native long write(int fd, long buf, long count);

    static native int eventfd(int initval, int flags);

    static native int pipe2(long fds, int flags);

    static native int socketpair(int domain, int type, int protocol, long fds);

    static native int open(long path, int flags, int mode);

    /**
     * {@code fcntl} is variadic in C too; bound with its one optional argument as a fixed {@code long}, which the
     * ABIs above pass exactly as they pass a variadic integer (the commands used take an int or nothing).
     */
    static native int fcntl(int fd, int cmd, long arg);

    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, long addr, int addrlen);

    static native int listen(int fd, int backlog);

    static native int connect(int fd, long addr, int addrlen);

    static native int accept4(int fd, long addr, long addrlen, int flags);

    static native int getsockname(int fd, long addr, long addrlen);

    static native int getpeername(int fd, long addr, long addrlen);

    static native int setsockopt(int fd, int level, int name, long value, int len);

    static native int getsockopt(int fd, int level, int name, long value, long len);

    static native int shutdown(int fd, int how);

    static native int getrlimit(int resource, long rlim);

    static native int setrlimit(int resource, long rlim);

    static native long sysconf(int name);
}
