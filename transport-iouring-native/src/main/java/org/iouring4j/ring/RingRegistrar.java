package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.iouring4j.ring.internal.Syscalls;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code io_uring_register(2)} for one {@link Ring}: fixed files, fixed buffers, an eventfd, and
 * provided-buffer rings. Registration is setup work, not hot path: each call is one syscall and may
 * allocate a little scratch memory.
 */
public final class RingRegistrar {
    private final Ring ring;
    private final List<BufferRing> bufferRings = new ArrayList<>();

    RingRegistrar(Ring ring) {
        this.ring = ring;
    }

    int register(String what, int opcode, long arg, int nrArgs) throws NativeIoException {
        ring.checkOpen();
        for (;;) {
            int ret = Syscalls.ioUringRegister(ring.fd(), opcode, arg, nrArgs);
            if (ret >= 0) {
                return ret;
            }
            if (ret != -Errno.EINTR) {
                throw new NativeIoException("io_uring_register(" + what + ")", ret);
            }
        }
    }

    /** Signals {@code eventFd} whenever a completion is posted ({@code IORING_REGISTER_EVENTFD}). */
    public void registerEventFd(int eventFd) throws NativeIoException {
        try (NativeMemory arg = NativeMemory.allocate(Integer.BYTES)) {
            arg.putInt(0, eventFd);
            register("IORING_REGISTER_EVENTFD", Abi.Register.REGISTER_EVENTFD, arg.address(), 1);
        }
    }

    public void unregisterEventFd() throws NativeIoException {
        register("IORING_UNREGISTER_EVENTFD", Abi.Register.UNREGISTER_EVENTFD, 0, 0);
    }

    /**
     * Registers a fixed-file table: ops with {@code IOSQE_FIXED_FILE} then name a file by its index here.
     * A slot of -1 is left empty, to be filled by {@link #updateFiles}.
     */
    public void registerFiles(int... fds) throws NativeIoException {
        try (NativeMemory arg = intArray(fds)) {
            register("IORING_REGISTER_FILES", Abi.Register.REGISTER_FILES, arg.address(), fds.length);
        }
    }

    /**
     * Replaces fixed-file slots from {@code offset} on (-1 clears a slot).
     *
     * @return the number of slots updated
     */
    public int updateFiles(int offset, int... fds) throws NativeIoException {
        try (NativeMemory arg = intArray(fds); NativeMemory update = NativeMemory.allocate(Abi.FilesUpdate.SIZE)) {
            update.putInt(Abi.FilesUpdate.OFFSET, offset);
            update.putLong(Abi.FilesUpdate.FDS, arg.address());
            return register("IORING_REGISTER_FILES_UPDATE", Abi.Register.REGISTER_FILES_UPDATE, update.address(),
                    fds.length);
        }
    }

    public void unregisterFiles() throws NativeIoException {
        register("IORING_UNREGISTER_FILES", Abi.Register.UNREGISTER_FILES, 0, 0);
    }

    /**
     * Registers fixed buffers for READ_FIXED/WRITE_FIXED: buffer {@code i} spans {@code lengths[i]} bytes at
     * {@code addresses[i]}. The kernel pins the pages until {@link #unregisterBuffers()} or ring close.
     */
    public void registerBuffers(long[] addresses, int[] lengths) throws NativeIoException {
        if (addresses.length != lengths.length || addresses.length == 0) {
            throw new IllegalArgumentException("need as many lengths as addresses, at least one");
        }
        try (NativeMemory iovecs = NativeMemory.allocate(addresses.length * Iovec.SIZE)) {
            for (int i = 0; i < addresses.length; i++) {
                Iovec.put(iovecs, i * Iovec.SIZE, addresses[i], lengths[i]);
            }
            register("IORING_REGISTER_BUFFERS", Abi.Register.REGISTER_BUFFERS, iovecs.address(), addresses.length);
        }
    }

    public void unregisterBuffers() throws NativeIoException {
        register("IORING_UNREGISTER_BUFFERS", Abi.Register.UNREGISTER_BUFFERS, 0, 0);
    }

    /**
     * Creates and registers a provided-buffer ring of {@code entries} (a power of two, up to 32768) for buffer
     * group {@code groupId} (Linux 5.19+). Closed with the ring, or earlier by {@link BufferRing#close()}.
     */
    public BufferRing registerBufferRing(int groupId, int entries) throws NativeIoException {
        return registerBufferRing(groupId, entries, 0);
    }

    /**
     * As {@link #registerBufferRing(int, int)}, with {@code io_uring_buf_reg} flags, e.g.
     * {@link IoUring#IOU_PBUF_RING_INC} for incremental consumption (then a completion flagged
     * {@link IoUring#IORING_CQE_F_BUF_MORE} leaves its buffer in the ring, and the next one continues in it).
     */
    public BufferRing registerBufferRing(int groupId, int entries, int flags) throws NativeIoException {
        if (entries < 1 || entries > 32768 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("entries must be a power of two in [1, 32768]: " + entries);
        }
        int size = Math.max(entries * Abi.Buf.SIZE, Syscalls.pageSize());
        NativeMemory memory = NativeMemory.mapAnonymous(size);
        try (NativeMemory reg = NativeMemory.allocate(Abi.BufReg.SIZE)) {
            reg.putLong(Abi.BufReg.RING_ADDR, memory.address());
            reg.putInt(Abi.BufReg.RING_ENTRIES, entries);
            reg.putShort(Abi.BufReg.BGID, (short) groupId);
            reg.putShort(Abi.BufReg.FLAGS, (short) flags);
            register("IORING_REGISTER_PBUF_RING", Abi.Register.REGISTER_PBUF_RING, reg.address(), 1);
        } catch (NativeIoException | RuntimeException e) {
            memory.close();
            throw e;
        }
        BufferRing bufferRing = new BufferRing(this, memory, groupId, entries);
        bufferRings.add(bufferRing);
        return bufferRing;
    }

    /** Unregisters a buffer ring (if the ring is still open) and forgets it. */
    void unregisterBufferRing(BufferRing bufferRing) {
        bufferRings.remove(bufferRing);
        if (!ring.isOpen()) {
            return;
        }
        try (NativeMemory reg = NativeMemory.allocate(Abi.BufReg.SIZE)) {
            reg.putShort(Abi.BufReg.BGID, (short) bufferRing.groupId());
            // Failure here means the group is already gone; nothing is left to release in the kernel.
            Syscalls.ioUringRegister(ring.fd(), Abi.Register.UNREGISTER_PBUF_RING, reg.address(), 1);
        }
    }

    /** Called by {@link Ring#close()}: closing the ring fd drops the registrations; the memory is ours to free. */
    void closeBufferRings() {
        for (BufferRing bufferRing : new ArrayList<>(bufferRings)) {
            bufferRing.close();
        }
    }

    private static NativeMemory intArray(int[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("need at least one fd");
        }
        NativeMemory memory = NativeMemory.allocate(values.length * Integer.BYTES);
        for (int i = 0; i < values.length; i++) {
            memory.putInt(i * Integer.BYTES, values[i]);
        }
        return memory;
    }
}
