package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.FutureListener;

import java.io.EOFException;
import java.io.IOException;

/**
 * A region of a {@link UringLoopFile} as a {@link ChunkedInput} for Netty's {@link ChunkedWriteHandler}: each chunk
 * is read through the event loop's ring, so sending a file over TLS (where {@code SslHandler} must see the bytes, and
 * a {@code FileRegion}'s SPLICE cannot apply) neither blocks the loop in {@code FileChannel.read}, as
 * {@code ChunkedNioFile} does, nor hops to another thread.
 *
 * <pre>{@code
 * pipeline.addLast(sslHandler, new HttpServerCodec(), chunkedWriter = new ChunkedWriteHandler(), handler);
 * // in the handler, once the file is open on ctx.channel().eventLoop():
 * ctx.write(new HttpChunkedInput(new UringChunkedFile(file, 0, length, 65536, chunkedWriter)));
 * }</pre>
 *
 * <p>{@link #readChunk(ByteBufAllocator)} hands out a chunk whose read has completed, and starts reading the next
 * one at once, so the file is read while the previous chunk is encrypted and sent. When no chunk is ready it
 * returns {@code null} (the read is under way) and the transfer is suspended; the read's completion calls
 * {@link ChunkedWriteHandler#resumeTransfer()}, which asks again. A read that fails, or a file that ends before the
 * region does ({@link EOFException}), fails the write. {@link #close()} (called by the {@code ChunkedWriteHandler}
 * once the input is done or the channel is gone) releases a chunk not handed out and closes the file, as
 * {@code ChunkedNioFile} closes its channel; a read still in flight then has its buffer released on completion.
 *
 * <p>Open the file on the channel's event loop: everything then runs on one thread. With a file on another loop
 * it still works (the state is guarded by this object's monitor, and {@code resumeTransfer} hops onto the channel's
 * loop), at the cost of a hop per chunk. Chunks are direct buffers from the allocator {@code readChunk} is given.
 */
// Its API names io.netty.handler's types, a module this one requires only statically (not transitively, which would
// make every application module need it to compile): an application using this class requires io.netty.handler.
@SuppressWarnings("exports")
public final class UringChunkedFile implements ChunkedInput<ByteBuf> {
    private final UringLoopFile file;
    private final long offset;
    private final long length;
    private final int chunkSize;
    private final ChunkedWriteHandler resumer;
    /** The read's completion: one listener for every chunk (no allocation per chunk but the chunk and its promise). */
    private final FutureListener<Integer> onRead = this::readCompleted;
    /** The file position of the next read. */
    private long position;
    /** Bytes handed out so far: the progress. */
    private long delivered;
    /** A chunk whose read completed, not handed out yet. */
    private ByteBuf ready;
    /** The buffer of the read in flight; null when none is. */
    private ByteBuf reading;
    private Throwable failure;
    /** {@link #readChunk} returned null for want of a chunk: the read's completion must resume the transfer. */
    private boolean suspended;
    private boolean closed;
    private ByteBufAllocator allocator;

    /**
     * @param file      the open file; closed by {@link #close()}
     * @param offset    where the region starts in the file
     * @param length    the region's length in bytes
     * @param chunkSize the most one chunk (one read) holds
     * @param resumer   the {@link ChunkedWriteHandler} this input is written to, resumed when a chunk is ready
     */
    public UringChunkedFile(UringLoopFile file, long offset, long length, int chunkSize, ChunkedWriteHandler resumer) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must be >= 0: " + offset + ", " + length);
        }
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be > 0: " + chunkSize);
        }
        if (file == null || resumer == null) {
            throw new NullPointerException(file == null ? "file" : "resumer");
        }
        this.file = file;
        this.offset = offset;
        this.length = length;
        this.chunkSize = chunkSize;
        this.resumer = resumer;
        this.position = offset;
    }

    /** The next chunk if its read has completed, else null with a read under way (see the class comment). */
    @Override
    public synchronized ByteBuf readChunk(ByteBufAllocator allocator) throws Exception {
        if (closed) {
            return null;
        }
        this.allocator = allocator;
        for (;;) {
            if (failure != null) {
                throw failure instanceof Exception ? (Exception) failure : new IOException(failure);
            }
            if (ready != null) {
                ByteBuf chunk = ready;
                ready = null;
                delivered += chunk.readableBytes();
                if (reading == null && position < offset + length) {
                    startRead(); // the next chunk is read while this one is sent
                }
                return chunk;
            }
            if (reading != null) {
                suspended = true;
                return null;
            }
            if (position >= offset + length) {
                return null; // every byte handed out: isEndOfInput() says so
            }
            startRead(); // completes at once only by failing (a closed file): the loop then throws
        }
    }

    /** Same as {@link #readChunk(ByteBufAllocator)} with the context's allocator. */
    @Deprecated
    @Override
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws Exception {
        return readChunk(ctx.alloc());
    }

    private void startRead() {
        int size = (int) Math.min(chunkSize, offset + length - position);
        ByteBuf buf = allocator.directBuffer(size);
        reading = buf;
        file.read(buf, position, size).addListener(onRead);
    }

    private void readCompleted(Future<Integer> read) {
        boolean resume;
        synchronized (this) {
            ByteBuf buf = reading;
            reading = null;
            if (closed) {
                buf.release();
                return;
            }
            if (!read.isSuccess()) {
                buf.release();
                failure = read.cause();
            } else if (read.getNow() < 0) {
                buf.release();
                failure = new EOFException(file.path() + " ended at " + position + ", before the region's end at "
                        + (offset + length));
            } else {
                position += read.getNow();
                ready = buf;
            }
            resume = suspended;
            suspended = false;
        }
        if (resume) {
            resumer.resumeTransfer();
        }
    }

    /** Whether every byte of the region has been handed out. */
    @Override
    public synchronized boolean isEndOfInput() {
        return delivered == length;
    }

    /** Releases a chunk not handed out and closes the file (a read in flight is released when it completes). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (ready != null) {
                ready.release();
                ready = null;
            }
        }
        file.close();
    }

    /** The region's length in bytes. */
    @Override
    public long length() {
        return length;
    }

    /** Bytes handed out so far. */
    @Override
    public synchronized long progress() {
        return delivered;
    }

    @Override
    public String toString() {
        return "UringChunkedFile[" + file.path() + ", offset=" + offset + ", length=" + length + "]";
    }
}
