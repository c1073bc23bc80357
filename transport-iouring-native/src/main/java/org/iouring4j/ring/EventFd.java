package org.iouring4j.ring;

import org.iouring4j.ring.internal.Syscalls;

/**
 * An {@code eventfd(2)} counter: the cheapest way for another thread to wake a thread blocked in
 * {@code io_uring_enter} (write to it while a read of it is queued in the ring, or register it with
 * {@link RingRegistrar#registerEventFd}).
 *
 * <p>Two kinds: {@link #create()} makes a <em>blocking</em> eventfd, the one to keep a ring READ queued on: the
 * kernel parks that READ until a signal arrives, whereas a READ of an {@code O_NONBLOCK} file may complete at
 * once with {@code -EAGAIN} (kernels that honour {@code O_NONBLOCK} for io_uring reads), which would turn a
 * re-armed wakeup read into a busy loop. {@link #createNonBlocking()} makes one whose {@link #read()} never
 * waits, for polling the counter of an eventfd registered with {@link RingRegistrar#registerEventFd}.
 *
 * <p>{@link #signal()} is safe from any thread as long as the eventfd is open; the owner must make sure
 * nobody signals after {@link #close()} (the fd number could already belong to someone else).
 */
public final class EventFd implements AutoCloseable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;

    private final int fd;
    /** Holds the constant 1 that {@link #signal()} writes; never changes, so sharing it across threads is safe. */
    private final NativeMemory one;
    /** Where {@link #read()} lands the counter; used by the owner thread only. */
    private final NativeMemory counter;
    private boolean closed;

    private EventFd(int fd) {
        this.fd = fd;
        this.one = NativeMemory.allocate(Long.BYTES);
        this.one.putLong(0, 1L);
        this.counter = NativeMemory.allocate(Long.BYTES);
    }

    /** A blocking, close-on-exec eventfd starting at 0: for a READ kept queued in a ring. */
    public static EventFd create() throws NativeIoException {
        return create(EFD_CLOEXEC);
    }

    /** A non-blocking, close-on-exec eventfd starting at 0: {@link #read()} answers 0 instead of waiting. */
    public static EventFd createNonBlocking() throws NativeIoException {
        return create(EFD_CLOEXEC | EFD_NONBLOCK);
    }

    private static EventFd create(int flags) throws NativeIoException {
        int fd = Syscalls.eventfd(0, flags);
        if (fd < 0) {
            throw new NativeIoException("eventfd", fd);
        }
        return new EventFd(fd);
    }

    public int fd() {
        return fd;
    }

    /** Adds 1 to the counter, waking whoever waits on it: one {@code write(2)}. */
    public void signal() throws NativeIoException {
        long ret = Syscalls.write(fd, one.address(), Long.BYTES);
        if (ret < 0 && ret != -Errno.EAGAIN) { // EAGAIN: counter saturated, so it is signalled anyway
            throw new NativeIoException("write(eventfd)", (int) ret);
        }
    }

    /**
     * Reads and resets the counter: the number of signals since the last read. With none, a non-blocking
     * eventfd answers 0 and a blocking one waits for the next signal.
     */
    public long read() throws NativeIoException {
        long ret = Syscalls.read(fd, counter.address(), Long.BYTES);
        if (ret == -Errno.EAGAIN) {
            return 0;
        }
        if (ret < 0) {
            throw new NativeIoException("read(eventfd)", (int) ret);
        }
        return counter.getLong(0);
    }

    /** Closes the eventfd and frees its buffers; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Syscalls.close(fd);
        one.close();
        counter.close();
    }
}
