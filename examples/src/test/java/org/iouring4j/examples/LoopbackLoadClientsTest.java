package org.iouring4j.examples;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idle and download load clients against their servers over loopback, on NIO on both sides: what they count,
 * not how fast any transport is.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoopbackLoadClientsTest {
    private static final int FILE_BYTES = 256 * 1024;

    private EventLoopGroup serverGroup;

    @BeforeEach
    void startGroup() {
        serverGroup = new MultiThreadIoEventLoopGroup(1, Transport.NIO.ioHandlerFactory());
    }

    @AfterEach
    void stopGroup() {
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void downloadsAreWholeAndTheirBytesCounted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("file.bin");
        byte[] content = new byte[FILE_BYTES];
        Arrays.fill(content, (byte) 7);
        Files.write(file, content);
        Channel server = FileServer.start(Transport.NIO, serverGroup, new InetSocketAddress("127.0.0.1", 0),
                file.toFile());
        DownloadClient.Result result = DownloadClient.run(new DownloadClient.Config(Transport.NIO, "127.0.0.1",
                port(server), 2, FILE_BYTES, 0.1, 0.5), noPhases());
        assertNull(result.failure);
        assertTrue(result.downloads >= 2, "downloads: " + result.downloads);
        assertTrue(result.measuredBytes > 0);
        server.close().sync();
    }

    @Test
    void aDownloadOfAnotherLengthFailsTheRun(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("file.bin");
        Files.write(file, new byte[FILE_BYTES]);
        Channel server = FileServer.start(Transport.NIO, serverGroup, new InetSocketAddress("127.0.0.1", 0),
                file.toFile());
        DownloadClient.Result result = DownloadClient.run(new DownloadClient.Config(Transport.NIO, "127.0.0.1",
                port(server), 1, FILE_BYTES + 1, 0, 2), noPhases());
        assertNotNull(result.failure);
        assertEquals(0, result.downloads);
        server.close().sync();
    }

    @Test
    void idleConnectionsAreAllEchoedAndHeldUntilReleased() throws Exception {
        Channel server = EchoServer.start(Transport.NIO, serverGroup, new InetSocketAddress("127.0.0.1", 0));
        AtomicInteger phases = new AtomicInteger();
        AtomicInteger held = new AtomicInteger();
        IdleClient.Result result = IdleClient.run(new IdleClient.Config(Transport.NIO, "127.0.0.1", port(server),
                200, 50, 16, 32), new IdleClient.Phases() {
            @Override
            public void warmedUp() {
                phases.incrementAndGet();
            }

            @Override
            public void connected(int connections, double seconds) {
                held.set(connections);
                phases.incrementAndGet();
            }
        });
        assertNull(result.failure);
        assertEquals(2, phases.get());
        assertEquals(200, held.get());
        assertEquals(200, result.echoed);
        server.close().sync();
    }

    @Test
    void anUnreachableServerFailsTheIdleRun() throws Exception {
        Channel server = EchoServer.start(Transport.NIO, serverGroup, new InetSocketAddress("127.0.0.1", 0));
        int port = port(server);
        server.close().sync();
        IdleClient.Result result = IdleClient.run(new IdleClient.Config(Transport.NIO, "127.0.0.1", port, 10, 0, 16,
                4), new IdleClient.Phases() {
            @Override
            public void warmedUp() {
            }

            @Override
            public void connected(int connections, double seconds) throws IOException {
                throw new IOException("must not be reached");
            }
        });
        assertNotNull(result.failure);
        assertEquals(0, result.echoed);
    }

    private static int port(Channel server) {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static EchoClient.Phases noPhases() {
        return new EchoClient.Phases() {
            @Override
            public void measuring() {
            }

            @Override
            public void measured() {
            }
        };
    }
}
