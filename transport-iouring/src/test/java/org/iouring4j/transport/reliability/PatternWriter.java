package org.iouring4j.transport.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Writes a pattern stream as fast as the peer takes it, only while the channel is writable: the well-behaved
 * writer Netty's watermarks are made for. Records what happened to it (write failures, exceptions, input
 * shutdown, writability) for the test to assert on; reads are discarded.
 *
 * <p>The refill after {@code channelWritabilityChanged} runs as a task rather than inside the callback: the
 * callback can fire while the transport is still removing the buffers a write completed, and a flush from there
 * is a separate bug with its own test ({@link WriteReentrancyTest}). Deferring keeps this writer's tests about
 * their own subject.
 */
final class PatternWriter extends ChannelInboundHandlerAdapter {
    final long stream;
    final long total;
    final int chunk;
    final boolean closeWhenDone;
    /** Written buffers, kept to check that the transport released every one of them. */
    final List<ByteBuf> written = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<Throwable> writeFailure = new CompletableFuture<>();
    final CompletableFuture<Throwable> exception = new CompletableFuture<>();
    /** Completes with the bytes written so far when the peer's shutdownOutput arrives. */
    final CompletableFuture<Long> inputShutdown = new CompletableFuture<>();
    final CompletableFuture<Void> becameUnwritable = new CompletableFuture<>();
    /** Completes when every byte has been written (the last write's promise succeeded). */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final CompletableFuture<Channel> closed = new CompletableFuture<>();
    volatile Channel channel;
    /** Write promises completed, by outcome. */
    final java.util.concurrent.atomic.AtomicInteger succeeded = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    private long sent;
    private volatile long maxPendingBytes;
    private volatile long sentVolatile;

    private boolean startOnActive;

    PatternWriter(long stream, long total, int chunk, boolean closeWhenDone) {
        this.stream = stream;
        this.total = total;
        this.chunk = chunk;
        this.closeWhenDone = closeWhenDone;
    }

    long sent() {
        return sentVolatile;
    }

    long maxPendingBytes() {
        return maxPendingBytes;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        ctx.channel().closeFuture().addListener(f -> closed.complete(ctx.channel()));
    }

    /** Starts writing as soon as the channel is active. */
    PatternWriter startOnActive() {
        startOnActive = true;
        return this;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (startOnActive) {
            pump(ctx);
        }
        ctx.fireChannelActive();
    }

    /** Starts writing (from the loop). */
    void start(ChannelHandlerContext ctx) {
        pump(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            ctx.executor().execute(() -> pump(ctx));
        } else {
            becameUnwritable.complete(null);
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void pump(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (!ch.isActive()) {
            return;
        }
        byte[] bytes = new byte[chunk];
        while (ch.isWritable() && sent < total) {
            int n = (int) Math.min(chunk, total - sent);
            Reliability.fillPattern(bytes, 0, n, stream, sent);
            // Unpooled: a released pooled buffer is recycled, and its refCnt would then describe its next use.
            ByteBuf buf = Unpooled.directBuffer(n).writeBytes(bytes, 0, n);
            written.add(buf);
            sent += n;
            boolean last = sent == total;
            ctx.write(buf).addListener(f -> {
                if (!f.isSuccess()) {
                    failed.incrementAndGet();
                    writeFailure.complete(f.cause());
                } else {
                    succeeded.incrementAndGet();
                    if (last) {
                        done.complete(null);
                    }
                }
            });
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out != null && out.totalPendingWriteBytes() > maxPendingBytes) {
                maxPendingBytes = out.totalPendingWriteBytes();
            }
        }
        sentVolatile = sent;
        if (sent == total && closeWhenDone) {
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown.complete(sent);
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        exception.complete(cause);
        ctx.close();
    }

    /** Written buffers the transport has not released (should be none once the channel is closed). */
    long unreleased() {
        synchronized (written) {
            return written.stream().filter(b -> b.refCnt() != 0).count();
        }
    }
}
