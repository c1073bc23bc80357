package org.iouring4j.transport.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.CompletableFuture;

/**
 * Reads a pattern stream and checks every byte at its offset; records how the stream ended. Releases what it
 * reads.
 */
final class PatternReader extends ChannelInboundHandlerAdapter {
    final long stream;
    final CompletableFuture<Channel> active = new CompletableFuture<>();
    final CompletableFuture<Throwable> exception = new CompletableFuture<>();
    final CompletableFuture<Long> closed = new CompletableFuture<>();
    private volatile long received;
    private volatile String mismatch;

    PatternReader(long stream) {
        this.stream = stream;
    }

    long received() {
        return received;
    }

    /** The first byte that did not match the pattern, described; null if all matched. */
    String mismatch() {
        return mismatch;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().closeFuture().addListener(f -> closed.complete(received));
        if (ctx.channel().isActive()) {
            active.complete(ctx.channel());
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active.complete(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            if (mismatch == null) {
                int at = Reliability.verifyPattern(buf, stream, received);
                if (at >= 0) {
                    mismatch = Reliability.mismatchMessage("pattern reader", stream, received + at,
                            buf.getByte(buf.readerIndex() + at));
                }
            }
            received += buf.readableBytes();
        } finally {
            buf.release();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        exception.complete(cause);
        ctx.close();
    }
}
