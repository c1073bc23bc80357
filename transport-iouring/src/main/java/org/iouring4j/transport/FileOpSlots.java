package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.Promise;

import java.util.Arrays;

/**
 * The ops a {@link UringLoopFile} has in the kernel, one slot each: the slot's number travels in the op's user data
 * ({@link UringIoOps#data}), so a completion finds its promise and buffer without a lookup or an allocation. Slots
 * are reused as soon as their completion has arrived; the arrays grow (doubling) only when more ops than ever before
 * are in flight at once, up to {@link #MAX_SLOTS}. Loop thread only.
 */
final class FileOpSlots {
    /** Slot numbers stay below the data tags a file keeps for its own ops (open, close, cancels). */
    static final int MAX_SLOTS = 0xFFF0;

    private int[] opcodes = new int[4];
    private Promise<?>[] promises = new Promise<?>[4];
    /** The buffer read into or written from, retained until the completion; null for other ops. */
    private ByteBuf[] buffers = new ByteBuf[4];
    /** The buffer's index the op starts at (its writer index for a read, reader index for a write). */
    private int[] bufferIndexes = new int[4];
    /** The op's user data, for the ASYNC_CANCEL that a close submits. */
    private long[] userData = new long[4];
    private int[] free = new int[4];
    private int freeCount;
    /** Slots ever handed out: those below it are either free or in use. */
    private int created;
    private int inUse;

    /**
     * A free slot's number, or -1 when {@link #MAX_SLOTS} ops are in flight already. The slot is in use until
     * {@link #release}.
     */
    int acquire() {
        if (freeCount > 0) {
            inUse++;
            return free[--freeCount];
        }
        if (created == MAX_SLOTS) {
            return -1;
        }
        if (created == opcodes.length) {
            int length = Math.min(created * 2, MAX_SLOTS);
            opcodes = Arrays.copyOf(opcodes, length);
            promises = Arrays.copyOf(promises, length);
            buffers = Arrays.copyOf(buffers, length);
            bufferIndexes = Arrays.copyOf(bufferIndexes, length);
            userData = Arrays.copyOf(userData, length);
            free = Arrays.copyOf(free, length);
        }
        inUse++;
        return created++;
    }

    /** Records what the op in {@code slot} is, once it has been queued. */
    void set(int slot, int opcode, Promise<?> promise, ByteBuf buffer, int bufferIndex, long opUserData) {
        opcodes[slot] = opcode;
        promises[slot] = promise;
        buffers[slot] = buffer;
        bufferIndexes[slot] = bufferIndex;
        userData[slot] = opUserData;
    }

    /** Frees {@code slot} (its references dropped, so a completed op's promise and buffer can be collected). */
    void release(int slot) {
        promises[slot] = null;
        buffers[slot] = null;
        userData[slot] = 0;
        free[freeCount++] = slot;
        inUse--;
    }

    /** Whether {@code slot} holds an op in flight (a number from a completion of this file's is checked with it). */
    boolean isInUse(int slot) {
        return slot >= 0 && slot < created && promises[slot] != null;
    }

    int opcode(int slot) {
        return opcodes[slot];
    }

    Promise<?> promise(int slot) {
        return promises[slot];
    }

    ByteBuf buffer(int slot) {
        return buffers[slot];
    }

    int bufferIndex(int slot) {
        return bufferIndexes[slot];
    }

    long userData(int slot) {
        return userData[slot];
    }

    /** Ops in flight. */
    int inUse() {
        return inUse;
    }

    /** Slots ever handed out: iterate {@code 0 .. created()-1} with {@link #isInUse} to visit the ops in flight. */
    int created() {
        return created;
    }
}
