package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.FileRegion;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link FileRegion} written through a direct buffer, one chunk at a time: the region transfers its next bytes
 * into the chunk, the channel SENDs the chunk, and the completion advances the region. The chunk is the write's
 * buffer in the kernel, so it lives until that completion.
 */
final class FileRegionWrite {
    private static final int CHUNK_SIZE = 64 * 1024;

    private final ChunkTarget target = new ChunkTarget();
    private ByteBuf chunk;

    /**
     * Fills the next chunk of {@code region}, the message at the head of {@code in}.
     *
     * @return true if a chunk is ready to send; false if the region was done (and is removed from {@code in})
     */
    boolean next(ChannelOutboundBuffer in, FileRegion region, ByteBufAllocator alloc) throws Exception {
        long remaining = region.count() - region.transferred();
        if (remaining <= 0) {
            in.remove();
            return false;
        }
        ByteBuf buf = alloc.directBuffer((int) Math.min(CHUNK_SIZE, remaining));
        try {
            target.target = buf;
            region.transferTo(target, region.transferred());
        } catch (Throwable t) {
            buf.release();
            throw t;
        } finally {
            target.target = null;
        }
        if (!buf.isReadable()) {
            buf.release();
            throw new IOException("FileRegion " + region + " yielded no bytes at " + region.transferred() + " of "
                    + region.count());
        }
        chunk = buf;
        return true;
    }

    /** The chunk to send, from its first unsent byte. */
    ByteBuf chunk() {
        return chunk;
    }

    /**
     * Accounts for {@code bytes} of the chunk sent.
     *
     * @return true if part of the chunk is left to send; false if all of it went (the chunk is released, and the
     *         region removed from {@code in} once complete)
     */
    boolean written(ChannelOutboundBuffer in, int bytes) {
        in.progress(bytes);
        chunk.skipBytes(bytes);
        if (chunk.isReadable()) {
            return true;
        }
        release();
        FileRegion region = (FileRegion) in.current();
        if (region != null && region.transferred() >= region.count()) {
            in.remove();
        }
        return false;
    }

    /** Releases the chunk, if any: after its completion, or when the channel gives up on the region. */
    void release() {
        if (chunk != null) {
            chunk.release();
            chunk = null;
        }
    }

    /** Receives a region's bytes into the chunk, as much as it has room for. */
    private static final class ChunkTarget implements WritableByteChannel {
        ByteBuf target;

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), target.writableBytes());
            ByteBuffer slice = src.duplicate();
            slice.limit(slice.position() + n);
            target.writeBytes(slice);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
            // The chunk belongs to the channel.
        }
    }
}
