package org.iouring4j.transport;

import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Opcode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a channel's {@link InFlightOps} says as completions arrive, without a kernel. */
class InFlightOpsTest {
    private static final int ID = 7;
    private static final int MORE = IoUring.IORING_CQE_F_MORE;
    private static final int NOTIF = IoUring.IORING_CQE_F_NOTIF;

    /** A zero-copy send's result leaves only its notification: the fd may go, the registration may not. */
    @Test
    void aZeroCopySendWhoseResultCameAwaitsOnlyItsNotification() {
        InFlightOps ops = new InFlightOps();
        ops.add(UserData.encode(ID, Opcode.SEND_ZC, 0));
        assertFalse(ops.isEmptyButNotifications());
        assertEquals(1, ops.cancellableCount());

        ops.completed(Opcode.SEND_ZC, 0, MORE);
        assertTrue(ops.isEmptyButNotifications());
        assertFalse(ops.isEmpty());
        assertEquals(0, ops.cancellableCount(), "nothing to cancel: the send is done");
        assertEquals(-1, ops.userData(Opcode.SEND_ZC, 0));

        ops.completed(Opcode.SEND_ZC, 0, NOTIF);
        assertTrue(ops.isEmpty());
        assertTrue(ops.isEmptyButNotifications());
    }

    /** A send that notifies nothing (a result without F_MORE, e.g. a failure) is done with its result. */
    @Test
    void aZeroCopySendWithoutNotificationIsDoneWithItsResult() {
        InFlightOps ops = new InFlightOps();
        ops.add(UserData.encode(ID, Opcode.SEND_ZC, 3));
        ops.completed(Opcode.SEND_ZC, 3, 0);
        assertTrue(ops.isEmpty());
        assertEquals(0, ops.cancellableCount());
    }

    /** Other ops, and cancels, keep the fd in use; a multishot op's F_MORE completions end nothing. */
    @Test
    void otherOpsAndCancelsKeepTheFdInUse() {
        InFlightOps ops = new InFlightOps();
        long recv = UserData.encode(ID, Opcode.RECV, 1);
        ops.add(UserData.encode(ID, Opcode.SEND_ZC, 0));
        ops.add(recv);
        ops.completed(Opcode.SEND_ZC, 0, MORE);
        ops.completed(Opcode.RECV, 1, MORE);
        assertFalse(ops.isEmptyButNotifications(), "the multishot RECV goes on");
        assertEquals(1, ops.cancellableCount());
        assertEquals(recv, ops.userDataAt(0));

        ops.add(UserData.encode(ID, Opcode.ASYNC_CANCEL, 0xFFFF));
        assertEquals(1, ops.cancellableCount(), "a cancel is counted, not listed");
        ops.completed(Opcode.RECV, 1, 0);
        assertFalse(ops.isEmptyButNotifications(), "the cancel is still in the kernel");
        ops.completed(Opcode.ASYNC_CANCEL, 0xFFFF, 0);
        assertTrue(ops.isEmptyButNotifications());
        assertFalse(ops.isEmpty());
        ops.completed(Opcode.SEND_ZC, 0, NOTIF);
        assertTrue(ops.isEmpty());
    }
}
