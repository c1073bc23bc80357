package org.iouring4j.transport;

import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Opcode;

import java.util.Arrays;

/**
 * The ops a channel has in the kernel: how many final completions are still to come (a move to another loop may go
 * on only at zero), and the user data of each, so that closing or moving can cancel every one by its user data.
 * Cancels are counted but not listed: nothing cancels a cancel.
 *
 * <p>A zero-copy send ({@code SEND_ZC}) completes twice: its result, flagged {@code IORING_CQE_F_MORE}, then a
 * notification ({@code IORING_CQE_F_NOTIF}) once the kernel no longer reads its pages, which may take as long as
 * the peer keeps its window shut. From its result on, such an op is counted but no longer listed: it no longer uses
 * the fd, so the fd may be closed ({@link #isEmptyButNotifications()}), and there is nothing left to cancel.
 *
 * <p>A channel has a handful of ops in flight at most (a read, a write, a poll, a connect or an accept), so a
 * short array searched linearly is the whole structure; it grows only if a channel ever has more. Loop thread only.
 */
final class InFlightOps {
    private long[] listed = new long[4];
    private int listedCount;
    private int count;
    /** Zero-copy sends whose result arrived and whose notification has not. */
    private int notifications;

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

    /**
     * A completion of the op with this opcode and data tag arrived, with these CQE flags: the op's last one unless
     * flagged {@code IORING_CQE_F_MORE} (a multishot op's, or a zero-copy send's result, its notification to come).
     */
    void completed(int opcode, int data, int flags) {
        if ((flags & IoUring.IORING_CQE_F_NOTIF) != 0) {
            count--;
            notifications--;
        } else if ((flags & IoUring.IORING_CQE_F_MORE) == 0) {
            count--;
            unlist(opcode, data);
        } else if (opcode == Opcode.SEND_ZC || opcode == Opcode.SENDMSG_ZC) {
            notifications++;
            unlist(opcode, data);
        }
    }

    private void unlist(int opcode, int data) {
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

    /** Whether no completion at all is to come: the registration is drained. */
    boolean isEmpty() {
        return count == 0;
    }

    /** Whether only notifications of zero-copy sends are to come: no op uses the fd any more. */
    boolean isEmptyButNotifications() {
        return count == notifications;
    }

    /** Ops in flight that can be cancelled, i.e. not awaiting only a notification; {@link #userDataAt} names each. */
    int cancellableCount() {
        return listedCount;
    }

    long userDataAt(int index) {
        return listed[index];
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("InFlightOps[").append(count);
        if (notifications != 0) {
            s.append(" (").append(notifications).append(" notifications)");
        }
        for (int i = 0; i < listedCount; i++) {
            s.append(i == 0 ? ": " : ", ").append(Opcode.name(UserData.opcode(listed[i]))).append('/')
                    .append(UserData.data(listed[i]));
        }
        return s.append(']').toString();
    }
}
