package org.iouring4j.ring.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.iouring4j.ring.NativeMemory;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DirectBufferAddressesTest {
    @Test
    void javaTwentyTwoAndLaterFindTheAddressWithoutAJniCall() {
        assertEquals(Runtime.version().feature() >= 22, DirectBufferAddresses.usesForeignMemoryApi());
    }

    @Test
    void theAddressIsTheOneTheJvmGivesPlusThePosition() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
        long base = Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
        buffer.position(100);
        assertEquals(base + 100, DirectBufferAddresses.ofPosition(buffer));
        assertEquals(base + 100, NativeMemory.positionAddressOf(buffer));
        assertEquals(base, NativeMemory.addressOf(buffer));
        ByteBuffer slice = buffer.slice(); // starts at byte 100, position 0
        slice.position(28);
        assertEquals(base + 128, NativeMemory.positionAddressOf(slice));
        assertEquals(base + 100, NativeMemory.addressOf(slice));
        assertEquals(base + 128, NativeMemory.positionAddressOf(slice.asReadOnlyBuffer()));
    }

    @Test
    void aHeapBufferHasNoAddress() {
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.positionAddressOf(ByteBuffer.allocate(16)));
    }
}
