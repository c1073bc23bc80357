package org.iouring4j.transport;

import org.iouring4j.ring.Opcode;

import java.util.Arrays;

/**
 * The ops a channel has in the kernel: how many final completions are still to come (the fd may be closed, and
 * a move to another loop may go on, only at zero), and the user data of each, so that closing or moving can cancel
 * every one by its user data. Cancels are counted but not listed: nothing cancels a cancel.
 *
 * <p>A channel has a handful of ops in flight at most (a read, a write, a poll, a connect or an accept), so a
 * short array searched linearly is the whole structure; it grows only if a channel ever has more. Loop thread only.
 */
final class InFlightOps {
    private long[] listed = new long[4];
    private int listedCount;
    private int count;

    /** An op was queued with this user data. */
    void add(long userData) {
        count++;
        if (UserData.opcode(userData) != Opcode.ASYNC_CANCEL) {
            if (listedCount == listed.length) {
                listed = Arrays.copyOf(listed, listed.length * 2);
            }
            listed[listedCount++] = userData;
        }
    }

    /** An op's final completion arrived (for a multishot op: the one without {@code IORING_CQE_F_MORE}). */
    void remove(int opcode, int data) {
        count--;
        if (opcode == Opcode.ASYNC_CANCEL) {
            return;
        }
        int index = indexOf(opcode, data);
        if (index >= 0) {
            listed[index] = listed[--listedCount];
        }
    }

    /** The user data of the op in flight with this opcode and data tag, or -1 if there is none. */
    long userData(int opcode, int data) {
        int index = indexOf(opcode, data);
        return index < 0 ? -1 : listed[index];
    }

    private int indexOf(int opcode, int data) {
        for (int i = 0; i < listedCount; i++) {
            long userData = listed[i];
            if (UserData.opcode(userData) == opcode && UserData.data(userData) == data) {
                return i;
            }
        }
        return -1;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Ops in flight that can be cancelled; {@link #userDataAt} names each. */
    int cancellableCount() {
        return listedCount;
    }

    long userDataAt(int index) {
        return listed[index];
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("InFlightOps[").append(count);
        for (int i = 0; i < listedCount; i++) {
            s.append(i == 0 ? ": " : ", ").append(Opcode.name(UserData.opcode(listed[i]))).append('/')
                    .append(UserData.data(listed[i]));
        }
        return s.append(']').toString();
    }
}
