package org.iouring4j.transport.testsuite;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.unix.tests.DetectPeerCloseWithoutReadTest;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Netty's {@link DetectPeerCloseWithoutReadTest} on this transport, as Netty runs it on epoll
 * ({@code EpollDetectPeerCloseWithoutReadTest}). One side writes 100 bytes and closes; the other has auto-read off,
 * one message per read loop and a fixed 10-byte receive buffer, so each {@code read()} takes one small buffer. It
 * never calls {@code read()} itself (in the "extra read" variants, only from {@code channelRead}). The peer's close
 * must still be detected (the channel goes inactive), and only after every byte has been read.
 *
 * <p>Not a {@link UringTestsuite}: the Netty class creates its own group in each test and shuts it down.
 */
@ExtendWith(RequiresUring.class)
public class UringDetectPeerCloseWithoutReadTest extends DetectPeerCloseWithoutReadTest {
    @Override
    protected EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(2, UringIoHandler.newFactory());
    }

    @Override
    protected Class<? extends ServerChannel> serverChannel() {
        return UringServerSocketChannel.class;
    }

    @Override
    protected Class<? extends Channel> clientChannel() {
        return UringSocketChannel.class;
    }
}
