package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import org.iouring4j.transport.testsuite.UringSocketTestPermutation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the testsuite's datagram classes do not cover on Unix datagram sockets: abstract names, a burst that fills
 * the receiver's queue (Unix datagrams are never dropped: the sends wait, and everything arrives in order), the
 * socket file's removal at close, and the options.
 */
@ExtendWith(RequiresUring.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DomainDatagramChannelTest {
    private MultiThreadIoEventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    @BeforeEach
    void start() {
        group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (Channel channel : channels) {
            channel.close().sync();
        }
        assertTrue(group.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
    }

    /** Collects what a channel reads. */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final BlockingQueue<DomainDatagramPacket> received = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add((DomainDatagramPacket) msg);
        }

        DomainDatagramPacket packet() throws InterruptedException {
            DomainDatagramPacket packet = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(packet, "nothing received in 10 s");
            return packet;
        }
    }

    private UringDomainDatagramChannel bind(DomainSocketAddress address, Receiver receiver, ChannelOption<Integer> option,
                                            int value) throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(UringDomainDatagramChannel.class).handler(receiver);
        if (option != null) {
            bootstrap.option(option, value);
        }
        UringDomainDatagramChannel channel = (UringDomainDatagramChannel) bootstrap.bind(address).sync().channel();
        channels.add(channel);
        return channel;
    }

    @Test
    void anAbstractNameSendsAndReceivesWithoutAFile() throws Exception {
        DomainSocketAddress serverAddress = new DomainSocketAddress("\0iouring4j-dgram-" + ProcessHandle.current().pid());
        Receiver receiver = new Receiver();
        UringDomainDatagramChannel server = bind(serverAddress, receiver, null, 0);
        UringDomainDatagramChannel client = bind(UringSocketTestPermutation.newDomainSocketAddress(), new Receiver(),
                null, 0);
        client.writeAndFlush(new DomainDatagramPacket(Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8),
                serverAddress)).sync();
        DomainDatagramPacket packet = receiver.packet();
        try {
            assertEquals("hello", packet.content().toString(StandardCharsets.UTF_8));
            assertEquals(client.localAddress(), packet.sender());
            assertEquals(serverAddress, packet.recipient());
            assertEquals(serverAddress, server.localAddress());
        } finally {
            packet.release();
        }
    }

    /**
     * Ten thousand datagrams into a receiver with a small queue: Unix datagram sockets never drop, so the sends in
     * flight wait for room and every datagram arrives, in the order written.
     */
    @Test
    void aBurstLargerThanTheReceiversQueueArrivesWholeAndInOrder() throws Exception {
        Receiver receiver = new Receiver();
        UringDomainDatagramChannel server = bind(UringSocketTestPermutation.newDomainSocketAddress(), receiver,
                ChannelOption.SO_RCVBUF, 4096);
        UringDomainDatagramChannel client = bind(UringSocketTestPermutation.newDomainSocketAddress(), new Receiver(),
                null, 0);
        int count = 10_000;
        ChannelFuture last = null;
        for (int i = 0; i < count; i++) {
            last = client.write(new DomainDatagramPacket(Unpooled.copiedBuffer("datagram " + i,
                    StandardCharsets.UTF_8), server.localAddress()));
        }
        client.flush();
        for (int i = 0; i < count; i++) {
            DomainDatagramPacket packet = receiver.packet();
            try {
                assertEquals("datagram " + i, packet.content().toString(StandardCharsets.UTF_8));
            } finally {
                packet.release();
            }
        }
        assertTrue(last.await(10, TimeUnit.SECONDS) && last.isSuccess(), "the last send: " + last.cause());
    }

    @Test
    void theSocketFileIsRemovedAtCloseSoThePathCanBeBoundAgain() throws Exception {
        DomainSocketAddress address = UringSocketTestPermutation.newDomainSocketAddress();
        UringDomainDatagramChannel first = bind(address, new Receiver(), null, 0);
        assertTrue(Files.exists(Path.of(address.path())));
        first.close().sync();
        assertFalse(Files.exists(Path.of(address.path())), "the socket file outlived its channel");
        UringDomainDatagramChannel second = bind(address, new Receiver(), null, 0);
        assertEquals(address, second.localAddress());
    }

    @Test
    @SuppressWarnings("deprecation") // getMaxMessagesPerRead, DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: still Netty's
    void optionsReachTheSocketAndBadValuesAreRefused() throws Exception {
        UringDomainDatagramChannel channel = bind(UringSocketTestPermutation.newDomainSocketAddress(), new Receiver(),
                null, 0);
        UringDomainDatagramChannelConfig config = channel.config();
        assertEquals(16, config.getMaxMessagesPerRead(), "Netty's default for datagram channels");
        config.setSendBufferSize(64 * 1024);
        assertEquals(2 * 64 * 1024, config.getOption(ChannelOption.SO_SNDBUF), "Linux doubles what it is given");
        config.setOption(ChannelOption.SO_RCVBUF, 32 * 1024);
        assertEquals(2 * 32 * 1024, config.getReceiveBufferSize());
        assertTrue(config.setOption(UringChannelOption.DATAGRAM_RECEIVE_BATCH, 4));
        assertEquals(4, config.getReceiveBatch());
        assertTrue(config.setOption(UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 512));
        assertEquals(512, config.getOption(UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE));
        assertThrows(IllegalArgumentException.class, () -> config.setReceiveBatch(0));
        assertThrows(IllegalArgumentException.class, () -> config.setMaxDatagramPayloadSize(70_000));
        assertThrows(IllegalStateException.class,
                () -> config.setOption(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true),
                "only before registration");
    }

    /**
     * A connected sender whose receiver does not read: its sends wait for room (a poll for POLLOUT, which on a
     * connected Unix datagram socket knows the receiver's queue) while the sender moves to another loop; once the
     * receiver reads, every datagram arrives, in order, and every send succeeds.
     */
    @Test
    void sendsWaitingForRoomSurviveAMoveAndArriveInOrder() throws Exception {
        MultiThreadIoEventLoopGroup other = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        try {
            Receiver receiver = new Receiver();
            UringDomainDatagramChannel server = (UringDomainDatagramChannel) new Bootstrap().group(group)
                    .channel(UringDomainDatagramChannel.class).handler(receiver)
                    .option(ChannelOption.AUTO_READ, false).option(ChannelOption.SO_RCVBUF, 4096)
                    .bind(UringSocketTestPermutation.newDomainSocketAddress()).sync().channel();
            channels.add(server);
            UringDomainDatagramChannel client = bind(UringSocketTestPermutation.newDomainSocketAddress(),
                    new Receiver(), null, 0);
            client.connect(server.localAddress()).sync();
            int count = 200;
            List<ChannelFuture> sends = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sends.add(client.writeAndFlush(Unpooled.copiedBuffer("datagram " + i, StandardCharsets.UTF_8)));
            }
            assertFalse(sends.get(count - 1).await(200, TimeUnit.MILLISECONDS), "the receiver's queue has room");

            assertTrue(client.deregister().await(10, TimeUnit.SECONDS));
            EventLoop next = other.next();
            assertTrue(next.register(client).await(10, TimeUnit.SECONDS));
            server.config().setAutoRead(true);
            for (int i = 0; i < count; i++) {
                DomainDatagramPacket packet = receiver.packet();
                try {
                    assertEquals("datagram " + i, packet.content().toString(StandardCharsets.UTF_8));
                } finally {
                    packet.release();
                }
            }
            for (ChannelFuture send : sends) {
                assertTrue(send.await(10, TimeUnit.SECONDS) && send.isSuccess(), "a send: " + send.cause());
            }
            client.close().sync();
            channels.remove(client); // closed here: its loop is gone once the test ends
        } finally {
            assertTrue(other.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        }
    }
}
