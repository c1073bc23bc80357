package org.iouring4j.transport;

import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;

/**
 * A {@link UringIoHandle}'s registration with a {@link UringIoHandler}: its id in every SQE's user data, and
 * the count of completions it still waits for.
 *
 * <p>After {@link #cancel()} the registration stays in the handler until its last outstanding completion has
 * arrived, so no completion ever finds its target gone, and a handle's buffers are released only after the
 * kernel is done with them. Cancelling does not cancel in-flight ops: the handle does that (ASYNC_CANCEL)
 * before, as part of closing.
 */
final class UringIoRegistration implements IoRegistration {
    final UringIoHandler handler;
    final UringIoHandle handle;
    final int id;
    /** Completions still to come: +1 per SQE, -1 per final CQE (one without IORING_CQE_F_MORE). Loop-only. */
    int outstanding;
    private volatile boolean valid = true;

    UringIoRegistration(UringIoHandler handler, UringIoHandle handle, int id) {
        this.handler = handler;
        this.handle = handle;
        this.id = id;
    }

    /** The {@link UringIoHandler} this handle is registered with. */
    @Override
    @SuppressWarnings("unchecked")
    public <T> T attachment() {
        return (T) handler;
    }

    /**
     * Queues the op described by {@code ops} (a {@link UringIoOps}); it reaches the kernel with the loop's next
     * {@code io_uring_enter}. Off the loop thread the op is copied and queued from the loop.
     *
     * @return the op's user data, or -1 if this registration is no longer valid
     */
    @Override
    public long submit(IoOps ops) {
        if (!(ops instanceof UringIoOps)) {
            throw new IllegalArgumentException("expected UringIoOps, got " + ops);
        }
        UringIoOps uringOps = (UringIoOps) ops;
        if (!valid) {
            return -1;
        }
        if (handler.inEventLoop()) {
            return handler.submit(this, uringOps);
        }
        UringIoOps copy = uringOps.copy();
        handler.execute(() -> handler.submit(this, copy));
        return UserData.encode(id, copy.opcode(), copy.data());
    }

    @Override
    public boolean isValid() {
        return valid;
    }

    @Override
    public boolean cancel() {
        if (!valid) {
            return false;
        }
        valid = false;
        if (handler.inEventLoop()) {
            handler.cancelled(this);
        } else {
            handler.execute(() -> handler.cancelled(this));
        }
        return true;
    }

    @Override
    public String toString() {
        return "UringIoRegistration[id=" + id + ", outstanding=" + outstanding + ", valid=" + valid + ", " + handle
                + "]";
    }
}
