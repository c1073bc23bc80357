package org.iouring4j.ring.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * The native address of a direct {@link ByteBuffer}, found without a JNI call where the JDK allows it.
 *
 * <p>On Java 22 and later the foreign-memory API answers in plain Java: {@code MemorySegment.ofBuffer(buffer)
 * .address()}, which the JIT compiles to a read of the buffer's address field (no native call, and no allocation
 * once inlined). It is looked up by reflection because this library is compiled for Java 17, where that API is not
 * final. Elsewhere JNA asks the JVM ({@code GetDirectBufferAddress}: one JNI call). This matters on Java 24 and
 * later, where Netty turns {@code sun.misc.Unsafe} off and its buffers stop telling their address themselves: every
 * socket op would otherwise pay a JNI call for it.
 */
public final class DirectBufferAddresses {
    /** {@code (Buffer) -> long}: the address of a buffer's position; null before Java 22. */
    private static final MethodHandle POSITION_ADDRESS = positionAddressOrNull();

    private DirectBufferAddresses() {
    }

    /** Whether addresses come from the foreign-memory API (Java 22+) rather than a JNI call. */
    public static boolean usesForeignMemoryApi() {
        return POSITION_ADDRESS != null;
    }

    /** The address of byte {@code buffer.position()} of a direct buffer. */
    public static long ofPosition(ByteBuffer direct) {
        if (POSITION_ADDRESS == null) {
            return Pointer.nativeValue(Native.getDirectBufferPointer(direct)) + direct.position();
        }
        try {
            return (long) POSITION_ADDRESS.invokeExact((Buffer) direct);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MethodHandle positionAddressOrNull() {
        if (Runtime.version().feature() < 22) {
            return null;
        }
        try {
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            MethodHandle ofBuffer = lookup.findStatic(segment, "ofBuffer", MethodType.methodType(segment, Buffer.class));
            MethodHandle address = lookup.findVirtual(segment, "address", MethodType.methodType(long.class));
            return MethodHandles.filterReturnValue(ofBuffer, address);
        } catch (ReflectiveOperationException e) {
            return null; // a JDK without the API after all: the JNI call still works
        }
    }
}
