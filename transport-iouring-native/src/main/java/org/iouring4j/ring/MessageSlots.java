package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;

import java.util.Objects;

/**
 * A pool of slots, each holding everything one RECVMSG or SENDMSG points to: a {@code struct msghdr}, its one
 * {@code struct iovec}, a {@code sockaddr_storage} for {@code msg_name} and a control buffer for ancillary data.
 *
 * <p>Why a pool, and why these lifetimes: a READV's iovecs or a CONNECT's address are copied by the kernel at
 * submission and may be reused at once, but what a {@code msghdr} points to is used later. RECVMSG writes the peer
 * address, {@code msg_namelen}, the control messages, {@code msg_controllen} and {@code msg_flags} when it
 * <em>completes</em>, and SENDMSG reads the control messages (and, on some kernels, the address) when it
 * <em>runs</em>, which may be long after submission, and again on a retry after waiting for socket space. So a
 * slot's memory belongs to its op from {@link #prepareReceive} / {@link #prepareSend} until that op's CQE, and is
 * {@link #release released} only then. Put the slot's index in the op's user data: the CQE then names the slot to
 * read and release, and a channel can keep several RECVMSGs and SENDMSGs in flight at once, one per slot.
 *
 * <p>All slots live in one native allocation ({@link #memory()}), laid out as:
 * <pre>
 * slot i at i * stride:  struct msghdr (56) | struct iovec (16) | sockaddr_storage (128) | control (CMSG_ALIGN'ed)
 * </pre>
 * {@link #acquire()}, {@link #release}, the {@code prepare} methods and the accessors read and write that memory as
 * plain memory: no native call and no allocation per op. Addresses and control messages are reached through
 * {@link #memory()} at the offsets given here ({@link #nameOffset}, {@link #controlDataOffset}), e.g. with
 * {@link SockAddr#write} and {@link SockAddr#read}.
 *
 * <p>Not thread-safe: one owner (an event loop) uses it. {@link #close()} frees the memory, so it may only run
 * once no op refers to a slot any more.
 */
public final class MessageSlots implements AutoCloseable {
    /** {@code msg_flags} after RECVMSG: the datagram was longer than the buffer, and its tail was dropped. */
    public static final int MSG_TRUNC = 0x20;
    /** {@code msg_flags} after RECVMSG: control data did not fit the control buffer (passed fds are then closed). */
    public static final int MSG_CTRUNC = 0x8;
    /** RECVMSG flag: fds received through {@link #SCM_RIGHTS} are opened close-on-exec. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** Control message type at level {@code SOL_SOCKET}: its data is an array of {@code int} fds. */
    public static final int SCM_RIGHTS = 1;

    /** Offsets inside a slot; each part is 8-byte aligned, as msghdr, iovec, sockaddr_storage and cmsghdr need. */
    private static final int MSGHDR = 0;
    private static final int IOVEC = MSGHDR + Abi.Msghdr.SIZE;
    private static final int NAME = IOVEC + Abi.Iovec.SIZE;
    private static final int CONTROL = NAME + SockAddr.STORAGE_SIZE;

    private final NativeMemory memory;
    private final int slots;
    private final int controlCapacity;
    private final int stride;
    /** A stack of free slot indexes: {@code free[0 .. freeCount)}. */
    private final int[] free;
    /** Which slots are out: catches a double release, which would otherwise hand one slot to two ops. */
    private final boolean[] acquired;
    private int freeCount;

    /**
     * Allocates {@code slots} slots with {@code controlBytes} of control buffer each (rounded up to a multiple of
     * 8; 0 for none), e.g. {@code Abi.Cmsghdr.space(Integer.BYTES)} per control message expected.
     */
    public MessageSlots(int slots, int controlBytes) {
        if (slots <= 0) {
            throw new IllegalArgumentException("slots must be positive: " + slots);
        }
        if (controlBytes < 0) {
            throw new IllegalArgumentException("controlBytes must not be negative: " + controlBytes);
        }
        this.slots = slots;
        this.controlCapacity = Abi.Cmsghdr.align(controlBytes);
        this.stride = CONTROL + controlCapacity;
        this.memory = NativeMemory.allocate(Math.multiplyExact(slots, stride));
        this.free = new int[slots];
        this.acquired = new boolean[slots];
        // Highest index at the bottom, so slots are handed out from 0 upwards: easier to read in a dump.
        for (int i = 0; i < slots; i++) {
            free[i] = slots - 1 - i;
        }
        this.freeCount = slots;
    }

    /** {@code CMSG_SPACE(dataBytes)}: the control buffer one control message of {@code dataBytes} takes. */
    public static int controlSpace(int dataBytes) {
        return Abi.Cmsghdr.space(dataBytes);
    }

    /** The number of slots. */
    public int capacity() {
        return slots;
    }

    /** Slots acquired and not yet released. */
    public int inUse() {
        return slots - freeCount;
    }

    /** Bytes of control buffer per slot: the constructor's {@code controlBytes} rounded up to a multiple of 8. */
    public int controlCapacity() {
        return controlCapacity;
    }

    /**
     * Takes a free slot for one op.
     *
     * @return the slot's index, or -1 if every slot is in use
     */
    public int acquire() {
        if (!memory.isOpen()) {
            throw new IllegalStateException("closed");
        }
        if (freeCount == 0) {
            return -1;
        }
        int slot = free[--freeCount];
        acquired[slot] = true;
        return slot;
    }

    /** Gives a slot back; only once its op's CQE has arrived (the kernel may still write to it until then). */
    public void release(int slot) {
        Objects.checkIndex(slot, slots);
        if (!acquired[slot]) {
            throw new IllegalStateException("slot " + slot + " is not in use");
        }
        acquired[slot] = false;
        free[freeCount++] = slot;
    }

    /** The region holding every slot: read and write addresses and control data in it at the offsets given here. */
    public NativeMemory memory() {
        return memory;
    }

    /** The address of the slot's {@code struct msghdr}: the SQE's {@code addr} for SENDMSG and RECVMSG. */
    public long msghdrAddress(int slot) {
        return memory.address() + base(slot) + MSGHDR;
    }

    /** The offset in {@link #memory()} of the slot's sockaddr_storage ({@link SockAddr#STORAGE_SIZE} bytes). */
    public int nameOffset(int slot) {
        return base(slot) + NAME;
    }

    /**
     * Points the slot's msghdr at {@code length} bytes at {@code bufferAddress} to receive into, at the slot's
     * sockaddr_storage for the sender's address, and at the whole control buffer (if any); clears the flags.
     */
    public void prepareReceive(int slot, long bufferAddress, int length) {
        int base = base(slot);
        long address = memory.address() + base;
        putBuffer(base, address, bufferAddress, length);
        memory.putLong(base + Abi.Msghdr.NAME, address + NAME);
        memory.putInt(base + Abi.Msghdr.NAMELEN, SockAddr.STORAGE_SIZE);
        memory.putLong(base + Abi.Msghdr.CONTROL, controlCapacity == 0 ? 0L : address + CONTROL);
        memory.putLong(base + Abi.Msghdr.CONTROLLEN, controlCapacity);
        memory.putInt(base + Abi.Msghdr.FLAGS, 0);
    }

    /**
     * Points the slot's msghdr at {@code length} bytes at {@code bufferAddress} to send, with no control data.
     *
     * @param nameLength the length of the destination address the caller wrote at {@link #nameOffset}, or 0 to send
     *                   without one (a connected socket): {@code msg_name} is then NULL
     */
    public void prepareSend(int slot, long bufferAddress, int length, int nameLength) {
        if (nameLength < 0 || nameLength > SockAddr.STORAGE_SIZE) {
            throw new IllegalArgumentException("nameLength out of [0, " + SockAddr.STORAGE_SIZE + "]: " + nameLength);
        }
        int base = base(slot);
        long address = memory.address() + base;
        putBuffer(base, address, bufferAddress, length);
        memory.putLong(base + Abi.Msghdr.NAME, nameLength == 0 ? 0L : address + NAME);
        memory.putInt(base + Abi.Msghdr.NAMELEN, nameLength);
        memory.putLong(base + Abi.Msghdr.CONTROL, 0L);
        memory.putLong(base + Abi.Msghdr.CONTROLLEN, 0L);
        memory.putInt(base + Abi.Msghdr.FLAGS, 0);
    }

    private void putBuffer(int base, long address, long bufferAddress, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length: " + length);
        }
        memory.putLong(base + IOVEC + Abi.Iovec.BASE, bufferAddress);
        memory.putLong(base + IOVEC + Abi.Iovec.LEN, length);
        memory.putLong(base + Abi.Msghdr.IOV, address + IOVEC);
        memory.putLong(base + Abi.Msghdr.IOVLEN, 1L);
    }

    /**
     * Appends a control message with {@code dataLength} bytes of data to a slot prepared by {@link #prepareSend},
     * and counts it in {@code msg_controllen}; the caller writes the data at the returned offset.
     *
     * @return the offset in {@link #memory()} of the message's data
     * @throws IllegalArgumentException if the message does not fit what is left of the control buffer
     */
    public int putControl(int slot, int level, int type, int dataLength) {
        int base = base(slot);
        int used = (int) memory.getLong(base + Abi.Msghdr.CONTROLLEN);
        int space = Abi.Cmsghdr.space(dataLength);
        if (dataLength < 0 || space > controlCapacity - used) {
            throw new IllegalArgumentException("control message of " + dataLength + " bytes does not fit: "
                    + used + " of " + controlCapacity + " bytes used");
        }
        int cmsg = base + CONTROL + used;
        // The alignment padding after the data is sent too; zero it rather than leak an older message's bytes.
        memory.zero(cmsg, space);
        memory.putLong(cmsg + Abi.Cmsghdr.LEN, Abi.Cmsghdr.length(dataLength));
        memory.putInt(cmsg + Abi.Cmsghdr.LEVEL, level);
        memory.putInt(cmsg + Abi.Cmsghdr.TYPE, type);
        memory.putLong(base + Abi.Msghdr.CONTROL, memory.address() + base + CONTROL);
        memory.putLong(base + Abi.Msghdr.CONTROLLEN, used + space);
        return cmsg + Abi.Cmsghdr.DATA;
    }

    /** Appends a control message whose data is one {@code int} (e.g. {@code IP_TOS}). */
    public void putControlInt(int slot, int level, int type, int value) {
        memory.putInt(putControl(slot, level, type, Integer.BYTES), value);
    }

    /** Appends a control message whose data is one 16-bit value (e.g. {@code UDP_SEGMENT}'s {@code __u16} size). */
    public void putControlShort(int slot, int level, int type, short value) {
        memory.putShort(putControl(slot, level, type, Short.BYTES), value);
    }

    /** Appends a control message whose data is an array of {@code int}s (e.g. {@link #SCM_RIGHTS} fds). */
    public void putControlInts(int slot, int level, int type, int... values) {
        int data = putControl(slot, level, type, values.length * Integer.BYTES);
        for (int i = 0; i < values.length; i++) {
            memory.putInt(data + i * Integer.BYTES, values[i]);
        }
    }

    /** After RECVMSG: the length of the sender's address at {@link #nameOffset} ({@code msg_namelen}). */
    public int nameLength(int slot) {
        return memory.getInt(base(slot) + Abi.Msghdr.NAMELEN);
    }

    /** After RECVMSG: {@code msg_flags}, e.g. {@link #MSG_TRUNC} or {@link #MSG_CTRUNC}. */
    public int flags(int slot) {
        return memory.getInt(base(slot) + Abi.Msghdr.FLAGS);
    }

    /**
     * After RECVMSG: the offset in {@link #memory()} of the first control message ({@code CMSG_FIRSTHDR}), or -1
     * if there is none. Read it with {@link #controlLevel}, {@link #controlType} and {@link #controlDataOffset}.
     */
    public int firstControl(int slot) {
        int start = base(slot) + CONTROL;
        return checkedControl(start, controlEnd(slot, start));
    }

    /** The control message after the one at {@code cmsgOffset} ({@code CMSG_NXTHDR}), or -1 if it was the last. */
    public int nextControl(int slot, int cmsgOffset) {
        int start = base(slot) + CONTROL;
        int end = controlEnd(slot, start);
        if (cmsgOffset < start || cmsgOffset >= end) {
            throw new IllegalArgumentException("offset " + cmsgOffset + " is not in slot " + slot + "'s control data");
        }
        return checkedControl(cmsgOffset + Abi.Cmsghdr.align(controlLength(cmsgOffset)), end);
    }

    /** The end of the control data the kernel reported, never past the slot's buffer. */
    private int controlEnd(int slot, int start) {
        long used = memory.getLong(base(slot) + Abi.Msghdr.CONTROLLEN);
        return start + (int) Math.min(Math.max(used, 0L), controlCapacity);
    }

    /** {@code cmsg} if a whole message (header and the data its length claims) lies before {@code end}, else -1. */
    private int checkedControl(int cmsg, int end) {
        if (cmsg + Abi.Cmsghdr.SIZE > end) {
            return -1;
        }
        int length = controlLength(cmsg);
        return length >= Abi.Cmsghdr.SIZE && length <= end - cmsg ? cmsg : -1;
    }

    private int controlLength(int cmsgOffset) {
        return (int) Math.min(memory.getLong(cmsgOffset + Abi.Cmsghdr.LEN), Integer.MAX_VALUE);
    }

    /** The {@code cmsg_level} of the control message at {@code cmsgOffset} (e.g. {@code SOL_SOCKET}). */
    public int controlLevel(int cmsgOffset) {
        return memory.getInt(cmsgOffset + Abi.Cmsghdr.LEVEL);
    }

    /** The {@code cmsg_type} of the control message at {@code cmsgOffset} (e.g. {@link #SCM_RIGHTS}). */
    public int controlType(int cmsgOffset) {
        return memory.getInt(cmsgOffset + Abi.Cmsghdr.TYPE);
    }

    /** The offset in {@link #memory()} of the data of the control message at {@code cmsgOffset}. */
    public int controlDataOffset(int cmsgOffset) {
        return cmsgOffset + Abi.Cmsghdr.DATA;
    }

    /** The data length of the control message at {@code cmsgOffset}: its {@code cmsg_len} less the header. */
    public int controlDataLength(int cmsgOffset) {
        return controlLength(cmsgOffset) - Abi.Cmsghdr.DATA;
    }

    /**
     * After RECVMSG: every fd the {@link #SCM_RIGHTS} messages carried, in order (empty if none). The receiver owns
     * and must close them; fds that did not fit the control buffer were never opened ({@link #MSG_CTRUNC}).
     * Allocates the array: fd passing is rare next to the datagrams themselves.
     */
    public int[] receivedFds(int slot) {
        int count = 0;
        for (int c = firstControl(slot); c >= 0; c = nextControl(slot, c)) {
            if (isRights(c)) {
                count += controlDataLength(c) / Integer.BYTES;
            }
        }
        int[] fds = new int[count];
        int n = 0;
        for (int c = firstControl(slot); c >= 0; c = nextControl(slot, c)) {
            if (isRights(c)) {
                int data = controlDataOffset(c);
                for (int i = 0; i < controlDataLength(c) / Integer.BYTES; i++) {
                    fds[n++] = memory.getInt(data + i * Integer.BYTES);
                }
            }
        }
        return fds;
    }

    private boolean isRights(int cmsgOffset) {
        return controlLevel(cmsgOffset) == LinuxSocket.SOL_SOCKET && controlType(cmsgOffset) == SCM_RIGHTS;
    }

    private int base(int slot) {
        return Objects.checkIndex(slot, slots) * stride;
    }

    /** Frees the slots' memory; idempotent. Only once no op in flight refers to a slot. */
    @Override
    public void close() {
        memory.close();
    }
}
