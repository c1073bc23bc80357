package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketTestPermutation;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import org.iouring4j.transport.StreamReadMode;
import org.iouring4j.transport.UringChannelOption;
import org.iouring4j.transport.UringDatagramChannel;
import org.iouring4j.transport.UringDomainDatagramChannel;
import org.iouring4j.transport.UringDomainSocketChannel;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerDomainSocketChannel;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Netty's socket testsuite crossed with this transport, as Netty crosses its epoll and io_uring transports:
 * every server x client combination of {iouring4j, NIO} except NIO x NIO. Tests with only one side of ours
 * (client-only, server-only) run that side on iouring4j alone.
 *
 * <p>The event loop groups are created on first use (so that a class that finds io_uring unavailable fails in
 * {@link org.iouring4j.transport.RequiresUring}, not in a static initializer), shared by every test of the JVM,
 * and shut down once at the end of the run by {@link UringTestsuite}'s extension.
 */
public final class UringSocketTestPermutation extends SocketTestPermutation {
    public static final UringSocketTestPermutation INSTANCE = new UringSocketTestPermutation();

    private static final int BOSSES = 1;
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 10;
    private static final long WARM_UP_TIMEOUT_SECONDS = 10;

    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private boolean shutDown;
    private boolean warmedUp;

    private UringSocketTestPermutation() {
    }

    synchronized EventLoopGroup uringBossGroup() {
        ensureGroups();
        return bossGroup;
    }

    synchronized EventLoopGroup uringWorkerGroup() {
        ensureGroups();
        return workerGroup;
    }

    private void ensureGroups() {
        if (shutDown) {
            throw new IllegalStateException("the testsuite's event loop groups have been shut down");
        }
        if (bossGroup == null) {
            bossGroup = new MultiThreadIoEventLoopGroup(BOSSES,
                    new DefaultThreadFactory("testsuite-iouring4j-boss", true), UringIoHandler.newFactory());
            workerGroup = new MultiThreadIoEventLoopGroup(NUM_THREADS,
                    new DefaultThreadFactory("testsuite-iouring4j-worker", true), UringIoHandler.newFactory());
        }
    }

    /**
     * Starts every loop of the shared groups (threads and rings) and waits for each to run a task, so that the
     * first test of a class, under the testsuite's tight timeouts (3 s in SocketConnectTest), does not pay for it.
     * Only the first call does anything.
     */
    synchronized void warmUp() throws InterruptedException {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        for (EventLoopGroup group : new EventLoopGroup[] {uringBossGroup(), uringWorkerGroup(), NIO_GROUP}) {
            for (EventExecutor executor : group) {
                if (!executor.submit(() -> { }).await(WARM_UP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(executor + " did not run a task within "
                            + WARM_UP_TIMEOUT_SECONDS + " s");
                }
            }
        }
    }

    /**
     * Shuts the shared groups down (iouring4j's and the NIO one of this permutation) and waits for them.
     *
     * @return the groups that did not terminate in time (empty if all did)
     */
    synchronized List<String> shutdown() throws InterruptedException {
        shutDown = true;
        List<Future<?>> futures = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (EventLoopGroup group : new EventLoopGroup[] {bossGroup, workerGroup, NIO_GROUP}) {
            if (group != null) {
                futures.add(group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS / 2, TimeUnit.SECONDS));
                names.add(group == NIO_GROUP ? "NIO" : group == bossGroup ? "iouring4j boss" : "iouring4j worker");
            }
        }
        List<String> stuck = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            if (!futures.get(i).await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                stuck.add(names.get(i));
            }
        }
        return stuck;
    }

    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socket() {
        return withoutNioOnly(combo(serverSocket(), clientSocket()));
    }

    @Override
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socketWithFastOpen() {
        return withoutNioOnly(combo(serverSocket(), clientSocketWithFastOpen()));
    }

    /**
     * {@link #socket()} with iouring4j's channels sending zero copy from {@code threshold} bytes on
     * ({@link UringChannelOption#SEND_ZC_THRESHOLD}); NIO's, which do not know the option, as they are.
     */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socketWithSendZcThreshold(int threshold) {
        List<BootstrapFactory<ServerBootstrap>> servers = serverSocket();
        List<BootstrapFactory<Bootstrap>> clients = clientSocket();
        BootstrapFactory<ServerBootstrap> uringServer = servers.get(0);
        BootstrapFactory<Bootstrap> uringClient = clients.get(0);
        servers.set(0, () -> uringServer.newInstance().childOption(UringChannelOption.SEND_ZC_THRESHOLD, threshold));
        clients.set(0, () -> uringClient.newInstance().option(UringChannelOption.SEND_ZC_THRESHOLD, threshold));
        return withoutNioOnly(combo(servers, clients));
    }

    /**
     * {@link #socket()} with iouring4j's channels reading in {@code mode} ({@link UringChannelOption#STREAM_READ_MODE},
     * whatever the run's default is); NIO's as they are.
     */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> socketWithStreamReadMode(StreamReadMode mode) {
        List<BootstrapFactory<ServerBootstrap>> servers = serverSocket();
        List<BootstrapFactory<Bootstrap>> clients = clientSocket();
        BootstrapFactory<ServerBootstrap> uringServer = servers.get(0);
        BootstrapFactory<Bootstrap> uringClient = clients.get(0);
        servers.set(0, () -> uringServer.newInstance().childOption(UringChannelOption.STREAM_READ_MODE, mode));
        clients.set(0, () -> uringClient.newInstance().option(UringChannelOption.STREAM_READ_MODE, mode));
        return withoutNioOnly(combo(servers, clients));
    }

    /** {@link #domainSocket()} with both sides reading in {@code mode}. */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> domainSocketWithStreamReadMode(StreamReadMode mode) {
        return combo(Collections.singletonList(() -> uringServerDomainSocket().get(0).newInstance()
                        .childOption(UringChannelOption.STREAM_READ_MODE, mode)),
                Collections.singletonList(() -> new Bootstrap().group(uringWorkerGroup())
                        .channel(UringDomainSocketChannel.class).option(UringChannelOption.STREAM_READ_MODE, mode)));
    }

    /** The combinations are built server-major with NIO last on both sides: the last one is NIO x NIO. */
    private static <T> List<T> withoutNioOnly(List<T> combos) {
        combos.remove(combos.size() - 1);
        return combos;
    }

    @Override
    public List<BootstrapFactory<ServerBootstrap>> serverSocket() {
        List<BootstrapFactory<ServerBootstrap>> factories = new ArrayList<>(uringServerSocket());
        factories.add(() -> new ServerBootstrap().group(NIO_GROUP).channel(NioServerSocketChannel.class));
        return factories;
    }

    @Override
    public List<BootstrapFactory<Bootstrap>> clientSocket() {
        List<BootstrapFactory<Bootstrap>> factories = new ArrayList<>(uringClientSocket());
        factories.add(() -> new Bootstrap().group(NIO_GROUP).channel(NioSocketChannel.class));
        return factories;
    }

    /** This transport's server side alone, for the testsuite's server-only tests. */
    public List<BootstrapFactory<ServerBootstrap>> uringServerSocket() {
        return Collections.singletonList(() -> new ServerBootstrap().group(uringBossGroup(), uringWorkerGroup())
                .channel(UringServerSocketChannel.class));
    }

    /**
     * Unix domain sockets, iouring4j on both sides: Netty's NIO channels take the JDK's address type for these, not
     * Netty's {@link DomainSocketAddress}, so there is nothing to cross with (Netty's epoll tests do the same).
     */
    public List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> domainSocket() {
        return combo(uringServerDomainSocket(), Collections.singletonList(() -> new Bootstrap()
                .group(uringWorkerGroup()).channel(UringDomainSocketChannel.class)));
    }

    /** This transport's Unix domain server alone, for the testsuite's server-only tests. */
    public List<BootstrapFactory<ServerBootstrap>> uringServerDomainSocket() {
        return Collections.singletonList(() -> new ServerBootstrap().group(uringBossGroup(), uringWorkerGroup())
                .channel(UringServerDomainSocketChannel.class));
    }

    /** A fresh socket path in this JVM's temporary directory (removed when the server closes, the directory at exit). */
    public static DomainSocketAddress newDomainSocketAddress() {
        return new DomainSocketAddress(SocketDirectory.DIR.resolve("s" + SocketDirectory.NEXT.incrementAndGet()
                + ".sock").toString());
    }

    private static final class SocketDirectory {
        static final Path DIR = create();
        static final AtomicInteger NEXT = new AtomicInteger();

        private static Path create() {
            try {
                Path dir = Files.createTempDirectory("iouring4j-uds");
                dir.toFile().deleteOnExit();
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * Datagram channels of {@code family}: every combination of {iouring4j, NIO} on each side except NIO x NIO,
     * as the stream tests cross them.
     */
    @Override
    public List<BootstrapComboFactory<Bootstrap, Bootstrap>> datagram(SocketProtocolFamily family) {
        List<BootstrapFactory<Bootstrap>> factories = new ArrayList<>();
        factories.add(() -> new Bootstrap().group(uringWorkerGroup())
                .channelFactory(() -> new UringDatagramChannel(family)));
        factories.add(() -> new Bootstrap().group(NIO_GROUP).channelFactory(() -> new NioDatagramChannel(family)));
        return withoutNioOnly(combo(factories, factories));
    }

    /** This transport's datagram channel alone, for the testsuite's datagram client tests. */
    public List<BootstrapFactory<Bootstrap>> uringDatagram() {
        return Collections.singletonList(() -> new Bootstrap().group(uringWorkerGroup())
                .channel(UringDatagramChannel.class));
    }

    /** Unix datagram sockets, iouring4j on both sides (NIO has no channel for Netty's domain addresses). */
    public List<BootstrapComboFactory<Bootstrap, Bootstrap>> domainDatagram() {
        return combo(uringDomainDatagram(), uringDomainDatagram());
    }

    /** This transport's Unix datagram channel alone. */
    public List<BootstrapFactory<Bootstrap>> uringDomainDatagram() {
        return Collections.singletonList(() -> new Bootstrap().group(uringWorkerGroup())
                .channel(UringDomainDatagramChannel.class));
    }

    /** This transport's client side alone, for the testsuite's client-only tests. */
    public List<BootstrapFactory<Bootstrap>> uringClientSocket() {
        return Collections.singletonList(() -> new Bootstrap().group(uringWorkerGroup())
                .channel(UringSocketChannel.class));
    }
}
