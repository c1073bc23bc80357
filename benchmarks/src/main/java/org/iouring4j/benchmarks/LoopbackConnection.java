package org.iouring4j.benchmarks;

import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;

import java.net.InetSocketAddress;

/**
 * A loopback TCP connection for the socket-op benchmarks: the writing end, with {@code TCP_NODELAY} so that each
 * write leaves at once, and the reading end a listener accepted (the listener stays open until {@link #close}).
 */
final class LoopbackConnection implements AutoCloseable {
    final int writer;
    final int reader;
    private final int listener;

    private LoopbackConnection(int listener, int writer, int reader) {
        this.listener = listener;
        this.writer = writer;
        this.reader = reader;
    }

    static LoopbackConnection open() throws NativeIoException {
        int listener = LinuxSocket.newStreamSocket(false);
        LinuxSocket.bind(listener, new InetSocketAddress("127.0.0.1", 0), false);
        LinuxSocket.listen(listener, 1);
        int writer = LinuxSocket.newStreamSocket(false);
        LinuxSocket.connect(writer, LinuxSocket.localAddress(listener), false);
        int reader = LinuxSocket.accept(listener);
        LinuxSocket.setIntOption(writer, LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_NODELAY, 1);
        return new LoopbackConnection(listener, writer, reader);
    }

    @Override
    public void close() throws NativeIoException {
        FileDescriptors.close(reader);
        FileDescriptors.close(writer);
        FileDescriptors.close(listener);
    }
}
