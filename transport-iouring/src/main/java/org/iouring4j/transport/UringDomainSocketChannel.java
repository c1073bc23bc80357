package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import org.iouring4j.ring.LinuxSocket;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.net.SocketAddress;

/**
 * A Unix domain stream connection on io_uring: the drop-in replacement for Netty's {@code EpollDomainSocketChannel}.
 * Reads, writes, file regions and half-closure are those of every stream channel ({@link AbstractUringStreamChannel}),
 * connecting that of every channel; this class adds the {@link DomainSocketAddress} and the peer's credentials.
 */
public final class UringDomainSocketChannel extends AbstractUringStreamChannel implements DomainSocketChannel {
    private final UringDomainSocketChannelConfig config;

    /** A new, unconnected Unix stream socket. */
    public UringDomainSocketChannel() {
        this(null, SocketFamily.UNIX.newSocket(LinuxSocket.SOCK_STREAM), false);
    }

    /** An accepted connection. */
    UringDomainSocketChannel(UringServerDomainSocketChannel parent, int fd) {
        this(parent, fd, true);
    }

    private UringDomainSocketChannel(Channel parent, int fd, boolean active) {
        super(parent, fd, SocketFamily.UNIX, active);
        this.config = new UringDomainSocketChannelConfig(this);
    }

    @Override
    public UringDomainSocketChannelConfig config() {
        return config;
    }

    @Override
    public DomainSocketAddress localAddress() {
        return (DomainSocketAddress) super.localAddress();
    }

    @Override
    public DomainSocketAddress remoteAddress() {
        return (DomainSocketAddress) super.remoteAddress();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new StreamUnsafe();
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        bindSocket(localAddress);
        cacheLocalAddress();
    }

    /**
     * The credentials of the process at the other end, as the kernel recorded them when the connection was made
     * ({@code SO_PEERCRED}).
     */
    public PeerCredentials peerCredentials() throws IOException {
        int[] ucred;
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            ucred = LinuxSocket.peerCredentials(socketFd(), memory.get());
        }
        return Credentials.of(ucred[0], ucred[1], ucred[2]);
    }

    /**
     * Builds Netty's {@link PeerCredentials}, whose constructor is package-private (Netty's JNI code creates it):
     * one reflective look-up, then a plain call.
     */
    private static final class Credentials {
        private static final MethodHandle CONSTRUCTOR = constructor();

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

        static PeerCredentials of(int pid, int uid, int gid) throws IOException {
            if (CONSTRUCTOR == null) {
                throw new IOException("Netty's PeerCredentials cannot be created here (its constructor is not"
                        + " accessible, e.g. on the module path without io.netty.channel.unix opened)");
            }
            try {
                return (PeerCredentials) CONSTRUCTOR.invokeExact(pid, uid, new int[] {gid});
            } catch (Throwable t) {
                throw new IOException("failed to create PeerCredentials", t);
            }
        }
    }
}
