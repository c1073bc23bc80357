package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Errno names and messages, and the message format of {@link NativeIoException}; no kernel needed. */
@Timeout(10)
class ErrnoTest {
    @Test
    void namesAndMessagesOfKnownErrnos() {
        assertEquals("EBADF", Errno.name(Errno.EBADF));
        assertEquals("Bad file descriptor", Errno.message(Errno.EBADF));
        assertEquals("ECANCELED", Errno.name(125));
        assertEquals("ETIME", Errno.name(62));
        assertEquals("Connection reset by peer", Errno.message(Errno.ECONNRESET));
    }

    @Test
    void negativeErrnosAreAcceptedAsTheKernelReturnsThem() {
        assertEquals("EINVAL", Errno.name(-Errno.EINVAL));
        assertEquals("Invalid argument", Errno.message(-Errno.EINVAL));
    }

    @Test
    void unknownErrnosStillProduceAName() {
        assertEquals("errno 200", Errno.name(200));
        assertEquals("Unknown error 200", Errno.message(200));
        assertEquals("errno 3", Errno.name(3)); // ESRCH: valid, but not one this library names
        assertEquals("errno 0", Errno.name(0));
    }

    @Test
    void exceptionMessageNamesOpAndErrno() {
        NativeIoException e = new NativeIoException("WRITEV", -Errno.EBADF);
        assertEquals("WRITEV failed: EBADF (Bad file descriptor)", e.getMessage());
        assertEquals("WRITEV", e.op());
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("EBADF", e.errnoName());
    }

    @Test
    void exceptionAcceptsPositiveErrnoAndAppendsHint() {
        NativeIoException e = new NativeIoException("io_uring_setup", Errno.EPERM, "check the sysctl");
        assertEquals("io_uring_setup failed: EPERM (Operation not permitted): check the sysctl", e.getMessage());
        assertEquals(Errno.EPERM, e.errno());
    }

    @Test
    void exceptionOnAFileNamesThePathAndKeepsItApart() {
        NativeIoException e = new NativeIoException("READ", "/data/x", -Errno.EISDIR, null);
        assertEquals("READ failed on /data/x: EISDIR (Is a directory)", e.getMessage());
        assertEquals("/data/x", e.path());
        assertEquals("READ", e.op());
        assertEquals(Errno.EISDIR, e.errno());
        assertEquals(null, new NativeIoException("WRITEV", Errno.EBADF).path());
    }

    @Test
    void opcodeNamesForMessages() {
        assertEquals("READ", Opcode.name(Opcode.READ));
        assertEquals("READ_MULTISHOT", Opcode.name(Opcode.READ_MULTISHOT));
        assertEquals("OP_60", Opcode.name(60));
        assertEquals("OP_-1", Opcode.name(-1));
    }
}
