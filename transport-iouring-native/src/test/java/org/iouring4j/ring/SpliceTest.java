package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPLICE from a file through a pipe into a socket, the way a file is sent without copying it: the file's pages go
 * into the pipe, the pipe's into the socket. Also the pipe and descriptor calls that go with it.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class SpliceTest {
    private static final long IN = 1;
    private static final long OUT = 2;

    @TempDir
    Path tempDir;

    @Test
    void fileToPipeLinkedToPipeToSocketSendsTheBytesAtTheOffset() throws Exception {
        byte[] data = Completions.pattern(100_000, 3);
        int file = openFile(data);
        int[] pipe = FileDescriptors.pipe(FileDescriptors.O_NONBLOCK);
        int[] pair = FileDescriptors.socketPair();
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            int offset = 4096; // page aligned: the pipe's slots are pages, so a full pipe takes exactly its size
            int len = FileDescriptors.pipeSize(pipe[1]);
            SubmissionQueue sq = ring.submissionQueue();
            int first = sq.addSplice(file, offset, pipe[1], -1, len, 0, IN);
            sq.orFlags(first, IoUring.IOSQE_IO_LINK);
            sq.addSplice(pipe[0], -1, pair[0], -1, len, 0, OUT);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(len, done.get(IN).res());
            assertEquals(len, done.get(OUT).res());
            assertArrayEquals(Arrays.copyOfRange(data, offset, offset + len), readFully(pair[1], len));
        } finally {
            Completions.closeAll(file, pipe[0], pipe[1], pair[0], pair[1]);
        }
    }

    /** A short splice into the pipe breaks the link: the second op is cancelled and the bytes wait in the pipe. */
    @Test
    void aShortFileSpliceCancelsTheLinkedSpliceAndLeavesItsBytesInThePipe() throws Exception {
        byte[] data = Completions.pattern(1000, 4);
        int file = openFile(data);
        int[] pipe = FileDescriptors.pipe(FileDescriptors.O_NONBLOCK);
        int[] pair = FileDescriptors.socketPair();
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            SubmissionQueue sq = ring.submissionQueue();
            int first = sq.addSplice(file, 100, pipe[1], -1, 5000, 0, IN);
            sq.orFlags(first, IoUring.IOSQE_IO_LINK);
            sq.addSplice(pipe[0], -1, pair[0], -1, 5000, 0, OUT);
            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(900, done.get(IN).res());
            assertEquals(-Errno.ECANCELED, done.get(OUT).res());

            sq.addSplice(pipe[0], -1, pair[0], -1, 900, 0, OUT);
            assertEquals(900, Completions.awaitOne(ring).res());
            assertArrayEquals(Arrays.copyOfRange(data, 100, 1000), readFully(pair[1], 900));

            sq.addSplice(file, data.length, pipe[1], -1, 10, 0, IN);
            assertEquals(0, Completions.awaitOne(ring).res(), "at the end of the file a splice moves nothing");
        } finally {
            Completions.closeAll(file, pipe[0], pipe[1], pair[0], pair[1]);
        }
    }

    @Test
    void aSpliceIntoAClosedPeerFailsWithEpipe() throws Exception {
        byte[] data = Completions.pattern(1000, 5);
        int file = openFile(data);
        int[] pipe = FileDescriptors.pipe(FileDescriptors.O_NONBLOCK);
        int[] pair = FileDescriptors.socketPair();
        Completions.closeAll(pair[1]);
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addSplice(file, 0, pipe[1], -1, data.length, 0, IN);
            assertEquals(data.length, Completions.awaitOne(ring).res());
            ring.submissionQueue().addSplice(pipe[0], -1, pair[0], -1, data.length, 0, OUT);
            assertEquals(-Errno.EPIPE, Completions.awaitOne(ring).res());
        } finally {
            Completions.closeAll(file, pipe[0], pipe[1], pair[0]);
        }
    }

    @Test
    void pipeSizeCanBeReadAndRaised() throws Exception {
        int[] pipe = FileDescriptors.pipe(FileDescriptors.O_NONBLOCK);
        try {
            int size = FileDescriptors.pipeSize(pipe[0]);
            assertTrue(size >= 4096, "pipe size " + size);
            int raised = FileDescriptors.setPipeSize(pipe[1], 2 * size);
            assertEquals(2 * size, raised);
            assertEquals(raised, FileDescriptors.pipeSize(pipe[0]));
        } finally {
            Completions.closeAll(pipe);
        }
    }

    @Test
    void aDuplicateOutlivesTheOriginal() throws Exception {
        byte[] data = Completions.pattern(64, 6);
        int file = openFile(data);
        int copy = FileDescriptors.dup(file);
        Completions.closeAll(file);
        try (NativeMemory buf = NativeMemory.allocate(data.length)) {
            assertEquals(data.length, FileDescriptors.read(copy, buf.address(), data.length));
            assertArrayEquals(data, Completions.bytes(buf, 0, data.length));
        } finally {
            Completions.closeAll(copy);
        }
    }

    private int openFile(byte[] data) throws Exception {
        Path path = Files.write(tempDir.resolve("spliced"), data);
        return FileDescriptors.open(path.toString(), FileDescriptors.O_RDONLY, 0);
    }

    private static byte[] readFully(int fd, int len) throws NativeIoException {
        try (NativeMemory buf = NativeMemory.allocate(len)) {
            int got = 0;
            while (got < len) {
                int n = FileDescriptors.read(fd, buf.address() + got, len - got);
                assertTrue(n > 0, "end of stream after " + got + " of " + len);
                got += n;
            }
            return Completions.bytes(buf, 0, len);
        }
    }
}
