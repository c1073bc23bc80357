package org.iouring4j.transport.testsuite;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.testsuite.transport.AbstractSingleThreadEventLoopTest;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerSocketChannel;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.Executor;

/** Netty's event loop conformance tests, on loops driven by {@link UringIoHandler}. */
@ExtendWith(RequiresUring.class)
public class UringEventLoopTest extends AbstractSingleThreadEventLoopTest {
    @Override
    protected EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(UringIoHandler.newFactory());
    }

    /**
     * An auto-scaling group suspends idle loops and resumes them on another thread, which only works with a
     * factory that declares {@link IoHandlerFactory#isChangingThreadSupported()}. Where it does not (a
     * single-issuer ring belongs to the thread that enabled it, as with Netty's io_uring transport), this returns
     * null, which the testsuite takes as "no auto-scaling group": its two auto-scaling tests then return at once
     * and pass without checking anything.
     */
    @Override
    protected EventLoopGroup newAutoScalingEventLoopGroup() {
        IoHandlerFactory factory = UringIoHandler.newFactory();
        if (!factory.isChangingThreadSupported()) {
            return null;
        }
        return new MultiThreadIoEventLoopGroup(SCALING_MAX_THREADS, (Executor) null, AUTO_SCALING_CHOOSER_FACTORY,
                factory);
    }

    @Override
    protected Channel newChannel() {
        return new UringServerSocketChannel();
    }

    @Override
    protected Class<? extends ServerChannel> serverChannelClass() {
        return UringServerSocketChannel.class;
    }
}
