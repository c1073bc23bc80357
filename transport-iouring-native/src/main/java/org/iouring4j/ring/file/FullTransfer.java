package org.iouring4j.ring.file;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@link UringFile#readFully} and {@link UringFile#writeFully}: one read or write after another until the buffer
 * is done, the file ends (a read of 0) or a write makes no progress. Each next op is made from the completion of the
 * one before, on the driver thread, so it goes straight into the ring without a queue or a wakeup.
 */
final class FullTransfer {
    private final UringFile file;
    private final boolean write;
    private final ByteBuffer buffer;
    private final long position;
    private final CompletableFuture<Integer> result = new CompletableFuture<>();
    private int done;

    private FullTransfer(UringFile file, boolean write, ByteBuffer buffer, long position) {
        this.file = file;
        this.write = write;
        this.buffer = buffer;
        this.position = position;
    }

    static CompletableFuture<Integer> start(UringFile file, boolean write, ByteBuffer buffer, long position) {
        FullTransfer transfer = new FullTransfer(file, write, buffer, position);
        transfer.next();
        return transfer.result;
    }

    private void next() {
        if (!buffer.hasRemaining()) {
            result.complete(done);
            return;
        }
        long at = position + done;
        CompletableFuture<Integer> step = write ? file.write(buffer, at) : file.read(buffer, at);
        step.whenComplete(this::stepDone);
    }

    private void stepDone(Integer count, Throwable failure) {
        if (failure != null) {
            result.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure);
            return;
        }
        done += count;
        if (count == 0) {
            result.complete(done); // end of file, or a write that made no progress: report what was done
        } else {
            next();
        }
    }
}
