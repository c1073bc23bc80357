package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bad fd fails only its own op or call, with an error that names the op and the errno. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class BadFdTest {
    /** Far above anything this JVM opens, so it is never a valid fd here. */
    private static final int NOT_AN_FD = 9999;

    @Test
    void readOnBadFdCompletesWithEbadfAndTheRingCarriesOn() throws Exception {
        try (NativeMemory buf = NativeMemory.allocate(16);
             Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addRead(NOT_AN_FD, buf.address(), 16, -1, 1);
            ring.submissionQueue().addNop(2);
            var done = Completions.awaitByUserData(ring, 2);
            assertEquals(-Errno.EBADF, done.get(1L).res());
            assertEquals(0, done.get(2L).res(), "an op next to the failed one is unaffected");

            NativeIoException e = new NativeIoException(Opcode.name(Opcode.READ), done.get(1L).res());
            assertEquals("READ", e.op());
            assertEquals(Errno.EBADF, e.errno());
            assertTrue(e.getMessage().contains("READ"), e.getMessage());
            assertTrue(e.getMessage().contains("EBADF"), e.getMessage());
        }
    }

    @Test
    void listenOnBadFdThrowsNamingListen() {
        NativeIoException e = assertThrows(NativeIoException.class, () -> LinuxSocket.listen(-1, 1));
        assertEquals(Errno.EBADF, e.errno());
        assertEquals("listen", e.op());
        assertTrue(e.getMessage().startsWith("listen failed: EBADF"), e.getMessage());
    }
}
