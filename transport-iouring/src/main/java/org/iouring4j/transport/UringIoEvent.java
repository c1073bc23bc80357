package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;

/**
 * One completion delivered to a {@link UringIoHandle}: the result and flags of a CQE, plus the opcode and the
 * 16-bit data of the op it completes (as given in its {@link UringIoOps}).
 *
 * <p>The event loop reuses one instance for every completion it dispatches (no allocation per I/O): read the
 * fields during {@code handle(...)} and do not keep the reference.
 *
 * <p>A receive into the loop's provided buffers carries the buffer it filled: the handle takes it
 * ({@link #takeProvidedBuffer()}); one left untaken is released by the loop after the dispatch.
 */
public final class UringIoEvent implements IoEvent {
    private int res;
    private int flags;
    private int opcode;
    private int data;
    private ByteBuf providedBuffer;

    UringIoEvent() {
    }

    void set(int res, int flags, int opcode, int data, ByteBuf providedBuffer) {
        this.res = res;
        this.flags = flags;
        this.opcode = opcode;
        this.data = data;
        this.providedBuffer = providedBuffer;
    }

    /**
     * A copy that outlives the dispatch, for a completion acted on later (a channel moving between loops). The
     * provided buffer, if any, moves to the copy.
     */
    UringIoEvent copy() {
        UringIoEvent copy = new UringIoEvent();
        copy.set(res, flags, opcode, data, takeProvidedBuffer());
        return copy;
    }

    /** The provided buffer this receive filled ({@code res} bytes), now the caller's; null if none. */
    ByteBuf takeProvidedBuffer() {
        ByteBuf buf = providedBuffer;
        providedBuffer = null;
        return buf;
    }

    /** After the dispatch: releases a provided buffer nobody took (a completion for a handle already gone). */
    void releaseUntakenBuffer() {
        ByteBuf buf = takeProvidedBuffer();
        if (buf != null) {
            buf.release();
        }
    }

    /** The op's result: a byte count, fd or 0 on success, {@code -errno} on failure. */
    public int res() {
        return res;
    }

    /** The CQE's {@code IORING_CQE_F_*} flags. */
    public int flags() {
        return flags;
    }

    /** The opcode of the op that completed (see {@link Opcode}). */
    public int opcode() {
        return opcode;
    }

    /** The 16-bit data the op was submitted with. */
    public int data() {
        return data;
    }

    /** Whether more completions will follow for this (multishot) op: {@code IORING_CQE_F_MORE}. */
    public boolean hasMore() {
        return (flags & IoUring.IORING_CQE_F_MORE) != 0;
    }

    /** A {@link NativeIoException} naming this op and its errno; only meaningful when {@code res() < 0}. */
    public NativeIoException toException() {
        return new NativeIoException(Opcode.name(opcode), res);
    }

    @Override
    public String toString() {
        return "UringIoEvent[" + Opcode.name(opcode) + ", res=" + res + ", flags=0x" + Integer.toHexString(flags)
                + ", data=" + data + "]";
    }
}
