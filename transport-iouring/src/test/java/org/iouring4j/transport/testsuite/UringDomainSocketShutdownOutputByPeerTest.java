package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.AbstractSocketShutdownOutputByPeerTest;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.SockAddr;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Netty's shutdown-output-by-peer test over Unix domain sockets: an iouring4j server whose peer is a plain blocking
 * Unix socket, driven with synchronous syscalls (the JDK's sockets take another address type).
 */
@UringTestsuite
public class UringDomainSocketShutdownOutputByPeerTest extends AbstractSocketShutdownOutputByPeerTest<Integer> {
    @Override
    protected SocketAddress newSocketAddress() {
        return UringSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected List<BootstrapFactory<ServerBootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.uringServerDomainSocket();
    }

    @Override
    protected Integer newSocket() {
        try (NativeMemory memory = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE)) {
            return LinuxSocket.newSocket(SockAddr.AF_UNIX, LinuxSocket.SOCK_STREAM, memory);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected void connect(Integer fd, SocketAddress address) throws IOException {
        LinuxSocket.connectUnix(fd, ((DomainSocketAddress) address).path().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void shutdownOutput(Integer fd) throws IOException {
        LinuxSocket.shutdown(fd, LinuxSocket.SHUT_WR);
    }

    @Override
    protected void write(Integer fd, int data) throws IOException {
        try (NativeMemory memory = NativeMemory.allocate(1)) {
            memory.putByte(0, (byte) data);
            FileDescriptors.write(fd, memory.address(), 1);
        }
    }

    @Override
    protected void close(Integer fd) throws IOException {
        FileDescriptors.close(fd);
    }
}
