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
        return buf.isDirect() ? buf : copy(alloc, buf);
    }

    /**
     * {@code buf} itself if its bytes are one run of native memory (what a single iovec can describe), else a
     * direct copy (the original released): a heap buffer, or a composite of several direct ones.
     */
    static ByteBuf contiguous(ByteBufAllocator alloc, ByteBuf buf) {
        return isContiguous(buf) ? buf : copy(alloc, buf);
    }

    /** Whether {@code buf}'s bytes are one run of native memory. */
    static boolean isContiguous(ByteBuf buf) {
        return buf.isDirect() && (buf.hasMemoryAddress() || buf.nioBufferCount() == 1);
    }

    private static ByteBuf copy(ByteBufAllocator alloc, ByteBuf buf) {
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
