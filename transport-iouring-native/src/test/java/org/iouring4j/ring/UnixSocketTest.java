package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unix domain sockets through the family-neutral layer: {@code sockaddr_un} for file paths and abstract names,
 * bind, connect, both ends' addresses, peer credentials, and a bind over an existing path refused by name.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class UnixSocketTest {
    @TempDir
    Path dir;

    @Test
    void pathsAndAbstractNamesRoundTripThroughTheCodec() {
        try (NativeMemory memory = NativeMemory.allocate(SockAddr.STORAGE_SIZE)) {
            byte[] path = "/tmp/some.sock".getBytes(StandardCharsets.UTF_8);
            int length = SockAddr.writeUnix(memory, 0, path);
            assertEquals(2 + path.length, length);
            assertEquals(SockAddr.AF_UNIX, SockAddr.family(memory, 0));
            assertArrayEquals(path, SockAddr.readUnix(memory, 0, length));
            assertArrayEquals(path, SockAddr.readUnix(memory, 0, length + 1), "the kernel counts the NUL");

            byte[] abstractName = "\0iouring4j-test".getBytes(StandardCharsets.UTF_8);
            length = SockAddr.writeUnix(memory, 0, abstractName);
            assertArrayEquals(abstractName, SockAddr.readUnix(memory, 0, length));

            assertArrayEquals(new byte[0], SockAddr.readUnix(memory, 0, 2), "an unnamed socket");
            assertThrows(IllegalArgumentException.class, () -> SockAddr.writeUnix(memory, 0, new byte[109]));
        }
    }

    @Test
    void aPathSocketConnectsAndBothEndsKnowTheirAddressesAndThePeer() throws Exception {
        byte[] path = dir.resolve("server.sock").toString().getBytes(StandardCharsets.UTF_8);
        try (NativeMemory memory = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE)) {
            int listener = LinuxSocket.newSocket(SockAddr.AF_UNIX, LinuxSocket.SOCK_STREAM, memory);
            int client = LinuxSocket.newSocket(SockAddr.AF_UNIX, LinuxSocket.SOCK_STREAM, memory);
            int server = -1;
            try {
                LinuxSocket.bindUnix(listener, path, memory);
                LinuxSocket.listen(listener, 4);
                assertArrayEquals(path, LinuxSocket.localUnixAddress(listener, memory));
                LinuxSocket.connectUnix(client, path);
                server = LinuxSocket.accept(listener);
                assertArrayEquals(path, LinuxSocket.remoteUnixAddress(client, memory));
                assertArrayEquals(new byte[0], LinuxSocket.remoteUnixAddress(server, memory), "an unbound client");
                int[] credentials = LinuxSocket.peerCredentials(server, memory);
                assertEquals(ProcessHandle.current().pid(), credentials[0], "pid");
                assertEquals(credentials[1], LinuxSocket.peerCredentials(client, memory)[1], "the same uid");
            } finally {
                Completions.closeAll(listener, client);
                if (server >= 0) {
                    FileDescriptors.close(server);
                }
            }
        }
    }

    @Test
    void anAbstractNameNeedsNoFile() throws Exception {
        byte[] name = ("\0iouring4j-" + ProcessHandle.current().pid() + "-abstract").getBytes(StandardCharsets.UTF_8);
        try (NativeMemory memory = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE)) {
            int listener = LinuxSocket.newSocket(SockAddr.AF_UNIX, LinuxSocket.SOCK_STREAM, memory);
            int client = LinuxSocket.newSocket(SockAddr.AF_UNIX, LinuxSocket.SOCK_STREAM, memory);
            try {
                LinuxSocket.bindUnix(listener, name, memory);
                LinuxSocket.listen(listener, 4);
                assertArrayEquals(name, LinuxSocket.localUnixAddress(listener, memory));
                LinuxSocket.connectUnix(client, name);
                FileDescriptors.close(LinuxSocket.accept(listener));
                assertEquals("@iouring4j-" + ProcessHandle.current().pid() + "-abstract",
                        LinuxSocket.unixPathToString(name));
            } finally {
                Completions.closeAll(listener, client);
            }
        }
    }

    @Test
    void bindingOverAnExistingPathFailsNamingIt() throws Exception {
        Path existing = Files.createFile(dir.resolve("taken.sock"));
        byte[] path = existing.toString().getBytes(StandardCharsets.UTF_8);
        try (NativeMemory memory = NativeMemory.allocate(LinuxSocket.ARGUMENT_MEMORY_SIZE)) {
            int socket = LinuxSocket.newSocket(SockAddr.AF_UNIX, LinuxSocket.SOCK_STREAM, memory);
            try {
                NativeIoException e = assertThrows(NativeIoException.class,
                        () -> LinuxSocket.bindUnix(socket, path, memory));
                assertEquals(Errno.EADDRINUSE, e.errno());
                assertTrue(e.getMessage().contains(existing.toString()), e.getMessage());
                assertTrue(Files.exists(existing), "the existing file was removed");
            } finally {
                FileDescriptors.close(socket);
            }
        }
    }
}
