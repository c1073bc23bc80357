package org.iouring4j.transport;

import io.netty.channel.IoHandle;

/**
 * An {@link IoHandle} that a {@link UringIoHandler} can register: its ops are io_uring SQEs described by
 * {@link UringIoOps}, and each completion reaches {@link #handle} as a {@link UringIoEvent}.
 *
 * <p>Besides the transport's own channels, users may implement this to drive their own fds (files, pipes,
 * timers) on an event loop, as with Netty's {@code IoUringIoHandle}.
 */
public interface UringIoHandle extends IoHandle {
}
