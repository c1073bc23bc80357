package org.iouring4j.ring;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KernelVersionTest {
    @Test
    void comparesMajorThenMinor() {
        assertTrue(KernelVersion.atLeast("6.1.0-57-amd64", 6, 1));
        assertTrue(KernelVersion.atLeast("6.1.0-57-amd64", 5, 19));
        assertFalse(KernelVersion.atLeast("6.1.0-57-amd64", 6, 7));
        assertFalse(KernelVersion.atLeast("5.10.0-35-arm64", 5, 11));
        assertTrue(KernelVersion.atLeast("6.18.44-fc-v657", 6, 12));
        assertTrue(KernelVersion.atLeast("10.0", 6, 12));
    }

    @Test
    void rejectsWhatIsNoRelease() {
        assertThrows(IllegalArgumentException.class, () -> KernelVersion.atLeast("linux", 5, 11));
    }
}
