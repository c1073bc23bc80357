package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.ring.NativeMemory;

import java.nio.ByteBuffer;

/** Native addresses of Netty buffers, for the iovecs that hand them to the kernel. */
final class BufferAddress {
    private BufferAddress() {
    }

    /** The address of byte {@code index} of a direct {@link ByteBuf}. */
    static long of(ByteBuf buf, int index) {
        if (buf.hasMemoryAddress()) {
            return buf.memoryAddress() + index;
        }
        ByteBuffer nio = buf.internalNioBuffer(index, 0);
        return of(nio);
    }

    /** The address of the current position of a direct {@link ByteBuffer}. */
    static long of(ByteBuffer buffer) {
        // Netty reads the address field directly when it may (sun.misc.Unsafe); on Java 24+ Netty turns that off,
        // and the ring library's foreign-memory path (Java 22+) reads it instead, without a JNI call.
        return PlatformDependent.hasUnsafe() ? PlatformDependent.directBufferAddress(buffer) + buffer.position()
                : NativeMemory.positionAddressOf(buffer);
    }
}
