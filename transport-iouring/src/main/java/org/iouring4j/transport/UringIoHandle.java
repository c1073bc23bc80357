package org.iouring4j.transport;

import io.netty.channel.IoHandle;

/**
 * An {@link IoHandle} that a {@link UringIoHandler} can register: its ops are io_uring SQEs described by
 * {@link UringIoOps}, and each completion reaches {@link #handle} as a {@link UringIoEvent}.
 *
 * <p>Besides the transport's own channels, users may implement this to drive their own fds (files, pipes,
 * timers) on an event loop, as with Netty's {@code IoUringIoHandle}.
 *
 * <p>{@link #close()} is called when the loop shuts down and must cancel the handle's ops still in the kernel
 * (an {@code ASYNC_CANCEL} per op, by the user data {@code submit} returned), so their completions arrive before
 * the ring closes. On kernels with {@code IORING_ASYNC_CANCEL_ANY} the loop also cancels whatever is left
 * ({@link Uring#isCancelAnyEnabled()}); elsewhere an op left behind holds the shutdown up for 5 s, then is
 * dropped with the ring, its completion never delivered.
 */
public interface UringIoHandle extends IoHandle {
}
