package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Setup input the kernel or the builder rejects gets a clear error. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class RingSetupTest {
    @Test
    void unknownSetupFlagFailsWithEinvalAndAHint() {
        RingConfig config = RingConfig.builder().entries(4).extraFlags(1 << 30).build();
        NativeIoException e = assertThrows(NativeIoException.class, () -> Ring.open(config).close());
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals("io_uring_setup", e.op());
        String message = e.getMessage();
        assertTrue(message.startsWith("io_uring_setup failed: EINVAL (Invalid argument): "), message);
        assertTrue(message.contains("a flag it does not know"), message);
        assertTrue(message.contains(config.toString()), "hint should show the rejected config: " + message);
    }

    @Test
    void zeroEntriesIsRejectedByTheBuilder() {
        RingConfig.Builder builder = RingConfig.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.entries(0));
        assertTrue(e.getMessage().contains("entries"), e.getMessage());
    }

    @Test
    void cqSmallerThanSqFailsWithEinval() {
        RingConfig config = RingConfig.builder().entries(64).cqEntries(8).build();
        NativeIoException e = assertThrows(NativeIoException.class, () -> Ring.open(config).close());
        assertEquals(Errno.EINVAL, e.errno());
    }
}
