package org.iouring4j.transport.reliability;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts a server's connections: open now, the most open at once, and accepted in all. */
@ChannelHandler.Sharable
final class ChildCounter extends ChannelInboundHandlerAdapter {
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();
    final AtomicInteger accepted = new AtomicInteger();

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        accepted.incrementAndGet();
        maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        active.decrementAndGet();
        ctx.fireChannelInactive();
    }
}
