package org.iouring4j.ring.file;

import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.SubmissionQueue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** OPENAT of a path; completes with the {@link UringFile} for the new fd, always close-on-exec. */
final class OpenOp extends FileOp {
    final CompletableFuture<UringFile> result = new CompletableFuture<>();
    private final UringFileDriver driver;
    private final String path;
    private final int flags;
    private final int mode;
    /** The NUL-terminated path; kept until completion, since under SQPOLL the moment the kernel copies it is unseen. */
    private final NativeMemory cPath;

    OpenOp(UringFileDriver driver, String path, int flags, int mode) {
        super(null);
        this.driver = driver;
        this.path = path;
        this.flags = flags | FileDescriptors.O_CLOEXEC;
        this.mode = mode;
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        this.cPath = NativeMemory.allocate(bytes.length + 1);
        cPath.put(0, bytes, 0, bytes.length);
    }

    String path() {
        return path;
    }

    @Override
    String name() {
        return Opcode.name(Opcode.OPENAT);
    }

    @Override
    void prepare(SubmissionQueue sq, long userData) {
        sq.addOpenat(IoUring.AT_FDCWD, cPath.address(), flags, mode, userData);
    }

    @Override
    void complete(int res, FileRing ring) {
        if (res < 0) {
            result.completeExceptionally(error(res));
            return;
        }
        UringFile file = new UringFile(driver, path, res, flags);
        ring.adopt(file);
        if (!result.complete(file)) {
            // The caller gave up on the open (cancelled its future): nobody else will ever close this fd.
            file.closeAsync();
        }
    }

    @Override
    void fail(Throwable cause) {
        result.completeExceptionally(cause);
    }

    @Override
    void release() {
        cPath.close();
    }

    @Override
    NativeIoException error(int res) {
        return new NativeIoException(name(), path, res, null);
    }
}
