package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The CLOSE op really closes the fd. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class CloseOpTest {
    @Test
    void closeOpReleasesTheFd() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        try (Ring ring = Ring.open(RingConfig.defaults())) {
            ring.submissionQueue().addClose(pair[0], 1);
            assertEquals(new Completions.Cqe(1, 0, 0), Completions.awaitOne(ring));

            // Checked straight away: this thread opens nothing in between that could reuse the number.
            NativeIoException e = assertThrows(NativeIoException.class, () -> FileDescriptors.close(pair[0]));
            assertEquals(Errno.EBADF, e.errno());
        } finally {
            Completions.closeAll(pair[1]);
        }
    }
}
