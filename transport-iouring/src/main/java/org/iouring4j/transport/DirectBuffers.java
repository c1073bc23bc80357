package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;

/**
 * The kernel reads and writes native memory: a heap {@link ByteBuf} handed to a channel is swapped for a direct one
 * holding the same bytes, and the heap one released.
 */
final class DirectBuffers {
    private DirectBuffers() {
    }

    /** {@code buf} itself if it is direct, else a direct copy of its readable bytes (the original released). */
    static ByteBuf direct(ByteBufAllocator alloc, ByteBuf buf) {
        if (buf.isDirect()) {
            return buf;
        }
        int readable = buf.readableBytes();
        if (readable == 0) {
            ReferenceCountUtil.safeRelease(buf);
            return Unpooled.EMPTY_BUFFER;
        }
        ByteBuf direct = alloc.directBuffer(readable);
        direct.writeBytes(buf, buf.readerIndex(), readable);
        ReferenceCountUtil.safeRelease(buf);
        return direct;
    }
}
