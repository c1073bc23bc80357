package org.iouring4j.transport;

import io.netty.channel.unix.PeerCredentials;
import org.iouring4j.ring.LinuxSocket;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;

/**
 * A Unix socket's peer credentials ({@code SO_PEERCRED}) as Netty's {@link PeerCredentials}, whose constructor is
 * package-private (Netty's JNI code creates it): one reflective look-up, then a plain call.
 */
final class UnixPeerCredentials {
    private static final MethodHandle CONSTRUCTOR = constructor();

    private UnixPeerCredentials() {
    }

    private static MethodHandle constructor() {
        try {
            Constructor<PeerCredentials> c = PeerCredentials.class.getDeclaredConstructor(int.class, int.class,
                    int[].class);
            c.setAccessible(true);
            return MethodHandles.lookup().unreflectConstructor(c)
                    .asType(MethodType.methodType(PeerCredentials.class, int.class, int.class, int[].class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** The credentials of the process at the other end of {@code fd}, as the kernel recorded them. */
    static PeerCredentials of(int fd) throws IOException {
        int[] ucred;
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            ucred = LinuxSocket.peerCredentials(fd, memory.get());
        }
        if (CONSTRUCTOR == null) {
            throw new IOException("Netty's PeerCredentials cannot be created here (its constructor is not"
                    + " accessible; on the module path run with --add-opens"
                    + " io.netty.transport.unix.common/io.netty.channel.unix=org.iouring4j.transport)");
        }
        try {
            return (PeerCredentials) CONSTRUCTOR.invokeExact(ucred[0], ucred[1], new int[] {ucred[2]});
        } catch (Throwable t) {
            throw new IOException("failed to create PeerCredentials", t);
        }
    }
}
