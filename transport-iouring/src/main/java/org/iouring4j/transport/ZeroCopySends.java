package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Opcode;

import java.util.Arrays;

/**
 * A stream channel's zero-copy sends ({@code SEND_ZC}, {@link UringChannelOption#SEND_ZC_THRESHOLD}): which write
 * becomes one, and the buffers the kernel still sends from after the write completed.
 *
 * <p>A SEND_ZC completes twice under one user data: its result (bytes handed to the socket, flagged
 * {@code IORING_CQE_F_MORE}), on which the write goes on as a SEND's would and Netty releases what was written;
 * then a notification ({@code IORING_CQE_F_NOTIF}) once the kernel no longer reads the pages, e.g. when TCP has
 * them acknowledged. So each send pins its buffer with a reference of its own, taken at submission and given back
 * with the notification (or with a result lacking {@code F_MORE}, after which none comes). That holds for a failed
 * or cancelled send too: it may still be flagged {@code F_MORE} and notify later (netty#15599).
 *
 * <p>Several sends may wait for their notifications while the next write already runs, and nothing orders those
 * notifications, so each send gets a slot of its own whose number is its user data's {@code data}: the
 * notification finds its buffer by it, and the user data of sends in flight never collide. The channel counts the
 * notification as the op's last completion ({@link InFlightOps}), so its registration is given up only after the
 * last one; its fd, which a notification does not use, is closed as soon as only notifications are left (a peer
 * that reads nothing may hold them back for as long as it lives). Loop thread only.
 */
final class ZeroCopySends {
    /** {@link UringChannelOption#SEND_ZC_THRESHOLD}'s value for "never", its default. */
    static final int OFF = -1;

    /** By slot, the buffer a send pins until its notification; null for a free slot. */
    private ByteBuf[] pinned = new ByteBuf[4];
    /** The socket refused a zero-copy send (EOPNOTSUPP, e.g. AF_UNIX): this channel copies from then on. */
    private boolean unsupported;
    /** Zero-copy sends whose result said a notification follows: what tests look for. */
    private long completed;

    /** Whether a write of {@code bytes} from one buffer goes zero copy, given the channel's threshold. */
    boolean accepts(long bytes, int threshold) {
        return Uring.SEND_ZC && threshold != OFF && bytes >= threshold && !unsupported;
    }

    /** Turns the SEND that {@code ops} describes into a SEND_ZC with a free slot as its data. */
    void prepare(UringIoOps ops) {
        int slot = 0;
        while (slot < pinned.length && pinned[slot] != null) {
            slot++;
        }
        if (slot == pinned.length) {
            pinned = Arrays.copyOf(pinned, slot * 2);
        }
        ops.opcode(Opcode.SEND_ZC).data(slot);
    }

    /** The SEND_ZC {@link #prepare} made was submitted: its buffer stays alive until the kernel is done with it. */
    void submitted(int slot, ByteBuf buffer) {
        pinned[slot] = buffer.retain();
    }

    /**
     * A completion of the SEND_ZC in {@code slot}.
     *
     * @return whether it is the send's result, for the write to go on with (a notification only unpins)
     */
    boolean completed(int res, int flags, int slot) {
        boolean notification = (flags & IoUring.IORING_CQE_F_NOTIF) != 0;
        if (notification || (flags & IoUring.IORING_CQE_F_MORE) == 0) {
            ByteBuf buffer = pinned[slot];
            pinned[slot] = null;
            buffer.release();
        }
        if (notification) {
            return false;
        }
        if (res == -Errno.EOPNOTSUPP) {
            unsupported = true;
        } else if (res >= 0 && (flags & IoUring.IORING_CQE_F_MORE) != 0) {
            completed++;
        }
        return true;
    }

    /** Zero-copy sends completed so far (loop thread). */
    long completedCount() {
        return completed;
    }
}
