package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The file ops of {@link SubmissionQueue}: OPENAT, FSYNC, FALLOCATE, STATX and FILES_UPDATE against the kernel. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class FileOpsTest {
    @TempDir
    Path tempDir;

    /** A NUL-terminated copy of {@code path} in native memory. */
    private static NativeMemory cString(String path) {
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        NativeMemory memory = NativeMemory.allocate(bytes.length + 1);
        memory.put(0, bytes, 0, bytes.length);
        return memory;
    }

    @Test
    void openatOpensAndCreatesAndReportsEnoent() throws Exception {
        Path file = tempDir.resolve("opened");
        Files.write(file, Completions.pattern(100, 1));
        try (Ring ring = Ring.open(RingConfig.defaults());
             NativeMemory existing = cString(file.toString());
             NativeMemory created = cString(tempDir.resolve("created").toString());
             NativeMemory missing = cString(tempDir.resolve("missing").toString());
             NativeMemory buf = NativeMemory.allocate(100)) {
            SubmissionQueue sq = ring.submissionQueue();
            sq.addOpenat(IoUring.AT_FDCWD, existing.address(), FileDescriptors.O_RDONLY | FileDescriptors.O_CLOEXEC,
                    0, 1);
            sq.addOpenat(IoUring.AT_FDCWD, created.address(),
                    FileDescriptors.O_RDWR | FileDescriptors.O_CREAT | FileDescriptors.O_EXCL, 0640, 2);
            sq.addOpenat(IoUring.AT_FDCWD, missing.address(), FileDescriptors.O_RDONLY, 0, 3);
            var byUserData = Completions.awaitByUserData(ring, 3);
            int fd = byUserData.get(1L).res();
            int createdFd = byUserData.get(2L).res();
            assertTrue(fd >= 0 && createdFd >= 0, byUserData.toString());
            assertEquals(-Errno.ENOENT, byUserData.get(3L).res());
            try {
                assertEquals(100, FileDescriptors.read(fd, buf.address(), 100));
                assertArrayEquals(Completions.pattern(100, 1), Completions.bytes(buf, 0, 100));
                assertTrue(Files.exists(tempDir.resolve("created")));
            } finally {
                Completions.closeAll(fd, createdFd);
            }
        }
    }

    @Test
    void statxReportsSizeOfAPathAndOfAnOpenFile() throws Exception {
        Path file = tempDir.resolve("sized");
        Files.write(file, new byte[12345]);
        int fd = FileDescriptors.open(file.toString(), FileDescriptors.O_RDONLY, 0);
        try (Ring ring = Ring.open(RingConfig.defaults());
             NativeMemory path = cString(file.toString());
             NativeMemory empty = NativeMemory.allocate(1);
             NativeMemory byPath = NativeMemory.allocate(Abi.Statx.SIZE);
             NativeMemory byFd = NativeMemory.allocate(Abi.Statx.SIZE)) {
            SubmissionQueue sq = ring.submissionQueue();
            sq.addStatx(IoUring.AT_FDCWD, path.address(), 0, IoUring.STATX_SIZE, byPath.address(), 1);
            sq.addStatx(fd, empty.address(), IoUring.AT_EMPTY_PATH, IoUring.STATX_SIZE | IoUring.STATX_DIOALIGN,
                    byFd.address(), 2);
            var byUserData = Completions.awaitByUserData(ring, 2);
            assertEquals(0, byUserData.get(1L).res());
            assertEquals(0, byUserData.get(2L).res());
            assertEquals(12345L, byPath.getLong(Abi.Statx.FILE_SIZE));
            assertEquals(12345L, byFd.getLong(Abi.Statx.FILE_SIZE));
            assertTrue((byFd.getInt(Abi.Statx.MASK) & IoUring.STATX_SIZE) != 0);
        } finally {
            Completions.closeAll(fd);
        }
    }

    @Test
    void fallocateExtendsOrKeepsTheSizeAndFsyncSucceeds() throws Exception {
        Path file = tempDir.resolve("allocated");
        int fd = FileDescriptors.open(file.toString(), FileDescriptors.O_RDWR | FileDescriptors.O_CREAT, 0600);
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            SubmissionQueue sq = ring.submissionQueue();
            sq.addFallocate(fd, 0, 0, 8192, 1);
            assertEquals(new Completions.Cqe(1, 0, 0), Completions.awaitOne(ring));
            assertEquals(8192, Files.size(file));
            sq.addFallocate(fd, IoUring.FALLOC_FL_KEEP_SIZE, 8192, 65536, 2);
            assertEquals(new Completions.Cqe(2, 0, 0), Completions.awaitOne(ring));
            assertEquals(8192, Files.size(file), "KEEP_SIZE allocates past EOF without growing the file");
            sq.addFsync(fd, 0, 0, 0, 3);
            sq.addFsync(fd, IoUring.IORING_FSYNC_DATASYNC, 0, 4096, 4);
            var byUserData = Completions.awaitByUserData(ring, 2);
            assertEquals(0, byUserData.get(3L).res());
            assertEquals(0, byUserData.get(4L).res());
            sq.addFallocate(fd, 0xFF00, 0, 1, 5); // no such mode
            assertTrue(Completions.awaitOne(ring).res() < 0);
        } finally {
            Completions.closeAll(fd);
        }
    }

    @Test
    void filesUpdateFillsARegisteredSlot() throws Exception {
        Path file = tempDir.resolve("slotted");
        Files.write(file, Completions.pattern(64, 3));
        int fd = FileDescriptors.open(file.toString(), FileDescriptors.O_RDONLY, 0);
        try (Ring ring = Ring.open(RingConfig.defaults());
             NativeMemory fds = NativeMemory.allocate(Integer.BYTES);
             NativeMemory buf = NativeMemory.allocate(64)) {
            ring.registrar().registerFiles(-1, -1);
            fds.putInt(0, fd);
            ring.submissionQueue().addFilesUpdate(fds.address(), 1, 1, 1);
            assertEquals(new Completions.Cqe(1, 1, 0), Completions.awaitOne(ring));
            int read = ring.submissionQueue().addRead(1, buf.address(), 64, 0, 2);
            ring.submissionQueue().orFlags(read, IoUring.IOSQE_FIXED_FILE);
            assertEquals(new Completions.Cqe(2, 64, 0), Completions.awaitOne(ring));
            assertArrayEquals(Completions.pattern(64, 3), Completions.bytes(buf, 0, 64));
        } finally {
            Completions.closeAll(fd);
        }
    }

    @Test
    void directFlagFollowsTheArchitecture() {
        assertEquals(0x4000, FileDescriptors.directFlag("amd64"));
        assertEquals(0x4000, FileDescriptors.directFlag("riscv64"));
        assertEquals(0x10000, FileDescriptors.directFlag("aarch64"));
        assertEquals(0x20000, FileDescriptors.directFlag("ppc64le"));
    }
}
