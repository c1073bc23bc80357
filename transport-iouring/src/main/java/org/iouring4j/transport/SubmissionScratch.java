package org.iouring4j.transport;

import org.iouring4j.ring.NativeMemory;

/**
 * Native scratch memory for what an SQE points to only until it is submitted: the iovec array of a WRITEV,
 * the sockaddr of a CONNECT. The kernel copies these when it consumes the SQE
 * ({@code IORING_FEAT_SUBMIT_STABLE}), so one arena per event loop, reset once the SQ is drained, serves
 * every channel of the loop: no channel owns native memory and nothing is allocated per I/O.
 */
final class SubmissionScratch implements AutoCloseable {
    private static final int ALIGNMENT = 16;

    private final NativeMemory memory;
    private int used;

    SubmissionScratch(int size) {
        this.memory = NativeMemory.allocate(size);
    }

    /**
     * Reserves {@code bytes} (16-byte aligned).
     *
     * @return the offset of the reservation inside {@link #memory()}, or -1 if it does not fit
     */
    int reserve(int bytes) {
        int aligned = (bytes + ALIGNMENT - 1) & -ALIGNMENT;
        if (aligned > memory.size() - used) {
            return -1;
        }
        int offset = used;
        used += aligned;
        return offset;
    }

    NativeMemory memory() {
        return memory;
    }

    /** Makes the whole arena reusable; only once the kernel has consumed every SQE pointing into it. */
    void reset() {
        used = 0;
    }

    /** Largest single reservation that can ever succeed. */
    int capacity() {
        return memory.size();
    }

    @Override
    public void close() {
        memory.close();
    }
}
