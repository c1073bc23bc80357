package org.iouring4j.ring.file;

import org.iouring4j.ring.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The O_DIRECT alignment helpers, without a kernel. */
@Timeout(10)
class DirectIoTest {
    @Test
    void roundsToPowersOfTwo() {
        assertEquals(4096, DirectIo.alignDown(4097, 4096));
        assertEquals(8192, DirectIo.alignUp(4097, 4096));
        assertEquals(4096, DirectIo.alignUp(4096, 4096));
        assertEquals(0, DirectIo.alignDown(511, 512));
        assertEquals(1L << 40, DirectIo.alignUp((1L << 40) - 1, 512), "positions past 4 GiB stay exact");
        assertTrue(DirectIo.isAligned(1024, 512));
        assertFalse(DirectIo.isAligned(1000, 512));
        assertThrows(IllegalArgumentException.class, () -> DirectIo.alignUp(1, 3000));
        assertThrows(IllegalArgumentException.class, () -> DirectIo.isAligned(1, 0));
    }

    @Test
    void alignedBuffersStartOnTheBoundaryAndHaveTheirFullCapacity() {
        for (int alignment : new int[] {512, 4096, 65536}) {
            for (int capacity : new int[] {1, 100, alignment, 3 * alignment + 7}) {
                ByteBuffer buffer = DirectIo.allocateAligned(capacity, alignment);
                assertTrue(DirectIo.isAligned(NativeMemory.addressOf(buffer), alignment));
                assertEquals(capacity, buffer.capacity());
                assertEquals(0, buffer.position());
                assertEquals(capacity, buffer.remaining());
            }
        }
    }

    @Test
    void alignmentOfAStatIsTheStricterOneOrAPage() {
        assertEquals(4096, DirectIo.alignmentOf(new FileStat(0, 4096, 0100644, 512, 4096)));
        assertEquals(512, DirectIo.alignmentOf(new FileStat(0, 4096, 0100644, 4, 512)));
        assertEquals(DirectIo.DEFAULT_ALIGNMENT, DirectIo.alignmentOf(new FileStat(0, 4096, 0100644, 0, 0)));
    }
}
