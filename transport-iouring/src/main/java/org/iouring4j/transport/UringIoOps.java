package org.iouring4j.transport;

import io.netty.channel.IoOps;
import org.iouring4j.ring.Opcode;

/**
 * Describes one io_uring op (one SQE) for {@link io.netty.channel.IoRegistration#submit(IoOps)}.
 *
 * <p>Mutable and reusable on purpose: a channel keeps one instance per kind of op and refills it for each
 * submission, because {@code submit} copies the fields into the SQE at once. That keeps submission free of
 * allocation. Fields follow {@code struct io_uring_sqe}; unset fields are zero, except {@code fd} (-1).
 *
 * <pre>{@code
 * readOps.clear().opcode(Opcode.READV).fd(fd).address(iovecs).length(count).data(READ_TAG);
 * long id = registration.submit(readOps);
 * }</pre>
 */
public final class UringIoOps implements IoOps {
    private int opcode;
    private int sqeFlags;
    private int ioPrio;
    private int fd = -1;
    private long offset;
    private long address;
    private int length;
    private int opFlags;
    private int bufIndex;
    private int spliceFdIn;
    private int data;

    /** An op with every field at its default (a NOP, {@code fd} -1), to be filled in by the setters below. */
    public UringIoOps() {
    }

    /** Resets every field to its default so the instance can describe a new op. */
    public UringIoOps clear() {
        opcode = Opcode.NOP;
        sqeFlags = 0;
        ioPrio = 0;
        fd = -1;
        offset = 0;
        address = 0;
        length = 0;
        opFlags = 0;
        bufIndex = 0;
        spliceFdIn = 0;
        data = 0;
        return this;
    }

    /** A copy, for submissions that must hop threads. */
    public UringIoOps copy() {
        UringIoOps c = new UringIoOps();
        c.opcode = opcode;
        c.sqeFlags = sqeFlags;
        c.ioPrio = ioPrio;
        c.fd = fd;
        c.offset = offset;
        c.address = address;
        c.length = length;
        c.opFlags = opFlags;
        c.bufIndex = bufIndex;
        c.spliceFdIn = spliceFdIn;
        c.data = data;
        return c;
    }

    /** {@code sqe.opcode}, one of {@link Opcode}. */
    public UringIoOps opcode(int opcode) {
        this.opcode = opcode;
        return this;
    }

    /** {@code sqe.flags}: {@code IOSQE_*} (link, drain, fixed file, buffer select...). */
    public UringIoOps sqeFlags(int sqeFlags) {
        this.sqeFlags = sqeFlags;
        return this;
    }

    /** {@code sqe.ioprio}: op modifiers such as {@code IORING_ACCEPT_MULTISHOT}. */
    public UringIoOps ioPrio(int ioPrio) {
        this.ioPrio = ioPrio;
        return this;
    }

    /** {@code sqe.fd}. */
    public UringIoOps fd(int fd) {
        this.fd = fd;
        return this;
    }

    /** {@code sqe.off} (also {@code addr2}: the addrlen pointer of ACCEPT, the addrlen of CONNECT). */
    public UringIoOps offset(long offset) {
        this.offset = offset;
        return this;
    }

    /** {@code sqe.addr}: buffer, iovec array, sockaddr or target user data. */
    public UringIoOps address(long address) {
        this.address = address;
        return this;
    }

    /** {@code sqe.len}: byte count, iovec count, or op-specific value. */
    public UringIoOps length(int length) {
        this.length = length;
        return this;
    }

    /** The op-specific flags word: {@code rw_flags}, {@code msg_flags}, {@code accept_flags}, ... */
    public UringIoOps opFlags(int opFlags) {
        this.opFlags = opFlags;
        return this;
    }

    /** {@code sqe.buf_index} / {@code buf_group}. */
    public UringIoOps bufIndex(int bufIndex) {
        this.bufIndex = bufIndex;
        return this;
    }

    /** {@code sqe.splice_fd_in} / {@code file_index}. */
    public UringIoOps spliceFdIn(int spliceFdIn) {
        this.spliceFdIn = spliceFdIn;
        return this;
    }

    /** 16 bits of the submitter's own, handed back in {@link UringIoEvent#data()}. */
    public UringIoOps data(int data) {
        if ((data & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("data must fit in 16 bits: " + data);
        }
        this.data = data;
        return this;
    }

    public int opcode() {
        return opcode;
    }

    public int sqeFlags() {
        return sqeFlags;
    }

    public int ioPrio() {
        return ioPrio;
    }

    public int fd() {
        return fd;
    }

    public long offset() {
        return offset;
    }

    public long address() {
        return address;
    }

    public int length() {
        return length;
    }

    public int opFlags() {
        return opFlags;
    }

    public int bufIndex() {
        return bufIndex;
    }

    public int spliceFdIn() {
        return spliceFdIn;
    }

    public int data() {
        return data;
    }

    @Override
    public String toString() {
        return "UringIoOps[" + Opcode.name(opcode) + ", fd=" + fd + ", data=" + data + "]";
    }
}
