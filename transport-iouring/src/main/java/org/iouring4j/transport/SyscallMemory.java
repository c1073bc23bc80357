package org.iouring4j.transport;

import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeMemory;

/**
 * Native memory for the arguments of one synchronous socket syscall (an option value, a sockaddr and its
 * length). On an event-loop thread it is that loop's own buffer, so the option and address calls made for
 * every connection (child options, {@code localAddress()}, {@code remoteAddress()}) allocate nothing; on any
 * other thread it is a temporary one, freed by {@link #close()}.
 *
 * <pre>{@code
 * try (SyscallMemory memory = SyscallMemory.acquire()) {
 *     LinuxSocket.setIntOption(fd, level, option, value, memory.get());
 * }
 * }</pre>
 * Calls never nest (each syscall returns before the next starts), so one buffer per loop thread is enough.
 */
final class SyscallMemory implements AutoCloseable {
    private final NativeMemory memory;
    private final boolean temporary;

    private SyscallMemory(NativeMemory memory, boolean temporary) {
        this.memory = memory;
        this.temporary = temporary;
    }

    /** An event loop's own buffer, for its lifetime (the loop closes the memory). */
    static SyscallMemory forLoop(NativeMemory memory) {
        return new SyscallMemory(memory, false);
    }

    /** The calling loop's buffer, or a temporary one off the loops. */
    static SyscallMemory acquire() {
        UringIoHandler handler = UringIoHandler.current();
        return handler != null ? handler.syscallMemory()
                : new SyscallMemory(NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE), true);
    }

    NativeMemory get() {
        return memory;
    }

    /** Frees a temporary buffer; a loop's stays. */
    @Override
    public void close() {
        if (temporary) {
            memory.close();
        }
    }
}
