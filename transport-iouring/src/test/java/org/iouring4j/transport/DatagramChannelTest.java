package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.PortUnreachableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the testsuite's datagram classes do not cover: truncation, a burst through the receive batch, a failed
 * send failing only its own promise, an ICMP error on a connected socket leaving the channel usable, UDP GSO,
 * the original destination, and multicast (any-source and source-specific, block and unblock) on loopback.
 */
@ExtendWith(RequiresUring.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DatagramChannelTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
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

    /** Collects what a channel reads (datagrams, or exceptions). */
    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.add(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            received.add(cause);
        }

        DatagramPacket packet() throws InterruptedException {
            Object msg = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(msg, "nothing received in 10 s");
            return assertInstanceOf(DatagramPacket.class, msg);
        }
    }

    private Channel bind(SocketProtocolFamily family, InetSocketAddress address, Receiver receiver,
                         ChannelOption<?> option, Object value) throws InterruptedException {
        @SuppressWarnings("unchecked")
        ChannelOption<Object> o = (ChannelOption<Object>) option;
        Bootstrap bootstrap = new Bootstrap().group(group).channelFactory(() -> new UringDatagramChannel(family))
                .handler(receiver);
        if (option != null) {
            bootstrap.option(o, value);
        }
        Channel channel = bootstrap.bind(address).sync().channel();
        channels.add(channel);
        return channel;
    }

    private Channel bind(Receiver receiver) throws InterruptedException {
        return bind(SocketProtocolFamily.INET, LOOPBACK, receiver, null, null);
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void aDatagramLongerThanTheBufferIsCutToItAsOnNettysOtherTransports() throws Exception {
        Receiver receiver = new Receiver();
        Channel server = bind(SocketProtocolFamily.INET, LOOPBACK, receiver,
                UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 100);
        Channel client = bind(new Receiver());
        client.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[300]),
                (InetSocketAddress) server.localAddress())).sync();
        DatagramPacket packet = receiver.packet();
        try {
            assertEquals(100, packet.content().readableBytes());
            assertEquals(client.localAddress(), packet.sender());
            assertEquals(server.localAddress(), packet.recipient());
        } finally {
            packet.release();
        }
    }

    /** A burst larger than the receive batch arrives whole (nothing is lost on loopback with room enough). */
    @Test
    void aBurstIsTakenUpByTheReceiveBatch() throws Exception {
        Receiver receiver = new Receiver();
        Channel server = bind(SocketProtocolFamily.INET, LOOPBACK, receiver, ChannelOption.SO_RCVBUF, 1 << 20);
        Channel client = bind(new Receiver());
        int count = 500;
        for (int i = 0; i < count; i++) {
            client.write(new DatagramPacket(text("datagram " + i), (InetSocketAddress) server.localAddress()));
        }
        client.flush();
        boolean[] seen = new boolean[count];
        for (int i = 0; i < count; i++) {
            DatagramPacket packet = receiver.packet();
            String content = packet.content().toString(StandardCharsets.UTF_8);
            seen[Integer.parseInt(content.substring("datagram ".length()))] = true;
            packet.release();
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }

    /**
     * A send the kernel refuses (IPv4's limited broadcast without SO_BROADCAST: EACCES) fails that write's promise
     * only; the datagrams before and after it go.
     */
    @Test
    void aRefusedSendFailsOnlyItsOwnPromise() throws Exception {
        Receiver receiver = new Receiver();
        Channel server = bind(receiver);
        Channel client = bind(new Receiver());
        InetSocketAddress to = (InetSocketAddress) server.localAddress();
        ChannelFuture first = client.write(new DatagramPacket(text("first"), to));
        ChannelFuture refused = client.write(new DatagramPacket(text("refused"),
                new InetSocketAddress("255.255.255.255", to.getPort())));
        ChannelFuture last = client.writeAndFlush(new DatagramPacket(text("last"), to));
        assertTrue(first.await(10, TimeUnit.SECONDS) && first.isSuccess(), String.valueOf(first.cause()));
        assertTrue(refused.await(10, TimeUnit.SECONDS));
        assertFalse(refused.isSuccess());
        assertTrue(refused.cause().getMessage().contains("SENDMSG"), refused.cause().getMessage());
        assertTrue(last.await(10, TimeUnit.SECONDS) && last.isSuccess(), String.valueOf(last.cause()));
        assertTrue(client.isOpen());
        assertEquals("first", text(receiver.packet()));
        assertEquals("last", text(receiver.packet()));
    }

    private static String text(DatagramPacket packet) {
        try {
            return packet.content().toString(StandardCharsets.UTF_8);
        } finally {
            packet.release();
        }
    }

    /**
     * On a connected socket an ICMP port-unreachable (nobody listens at the peer's port) reaches the pipeline as a
     * {@link PortUnreachableException}; the channel stays open, and once disconnected it is still bound where it
     * was (Linux drops a kernel-picked port at disconnect) and receives the next datagram.
     */
    @Test
    void anIcmpErrorOnAConnectedSocketIsReportedAndTheChannelStaysUsable() throws Exception {
        Receiver receiver = new Receiver();
        Channel client = bind(receiver);
        Channel gone = bind(new Receiver());
        InetSocketAddress goneAddress = (InetSocketAddress) gone.localAddress();
        gone.close().sync();
        channels.remove(gone);
        client.connect(goneAddress).sync();
        // ICMP errors are best effort (the kernel rate-limits them, randomly at the margin): send until one comes.
        Object error = null;
        for (int attempt = 0; attempt < 10 && error == null; attempt++) {
            client.writeAndFlush(text("to nobody")).sync();
            error = receiver.received.poll(1, TimeUnit.SECONDS);
        }
        assertInstanceOf(PortUnreachableException.class, error);
        assertTrue(client.isOpen() && client.isActive());

        client.disconnect().sync();
        assertNull(client.remoteAddress());
        Channel sender = bind(new Receiver());
        sender.writeAndFlush(new DatagramPacket(text("still here"), (InetSocketAddress) client.localAddress())).sync();
        assertEquals("still here", text(receiver.packet()));
    }

    /** A {@link SegmentedDatagramPacket} is one UDP GSO send: the receiver gets one datagram per segment. */
    @Test
    void aSegmentedPacketArrivesAsOneDatagramPerSegment() throws Exception {
        Receiver receiver = new Receiver();
        Channel server = bind(receiver);
        Channel client = bind(new Receiver());
        ByteBuf content = Unpooled.directBuffer(300).writeBytes(new byte[300]);
        for (int i = 0; i < 300; i++) {
            content.setByte(i, i / 100);
        }
        client.writeAndFlush(new SegmentedDatagramPacket(content, 100, (InetSocketAddress) server.localAddress()))
                .sync();
        for (int segment = 0; segment < 3; segment++) {
            DatagramPacket packet = receiver.packet();
            try {
                assertEquals(100, packet.content().readableBytes());
                assertEquals(segment, packet.content().getByte(0), "segments in order");
            } finally {
                packet.release();
            }
        }
    }

    /** With {@code IP_RECVORIGDSTADDR} the recipient is the address the datagram was sent to. */
    @Test
    void theOriginalDestinationBecomesTheRecipient() throws Exception {
        Receiver receiver = new Receiver();
        Channel server = bind(SocketProtocolFamily.INET, new InetSocketAddress("0.0.0.0", 0), receiver,
                UringChannelOption.IP_RECVORIGDSTADDR, true);
        Channel client = bind(new Receiver());
        InetSocketAddress to = new InetSocketAddress("127.0.0.2", ((InetSocketAddress) server.localAddress()).getPort());
        client.writeAndFlush(new DatagramPacket(text("via 127.0.0.2"), to)).sync();
        DatagramPacket packet = receiver.packet();
        try {
            assertEquals(to, packet.recipient());
        } finally {
            packet.release();
        }
    }

    /**
     * Multicast on the loopback interface (by index: the join does not need lo's MULTICAST flag): any-source,
     * then a blocked source, unblocked; then source-specific.
     */
    @Test
    void multicastJoinsBlocksAndSourceSpecificMembershipsOnLoopback() throws Exception {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("127.0.0.1"));
        InetAddress group = InetAddress.getByName("239.255.77.1");
        Receiver receiver = new Receiver();
        Channel member = bind(SocketProtocolFamily.INET, new InetSocketAddress("0.0.0.0", 0), receiver,
                ChannelOption.IP_MULTICAST_IF, lo);
        UringDatagramChannel memberChannel = (UringDatagramChannel) member;
        Channel sender = bind(SocketProtocolFamily.INET, LOOPBACK, new Receiver(), ChannelOption.IP_MULTICAST_IF, lo);
        InetSocketAddress groupAddress = new InetSocketAddress(group, ((InetSocketAddress) member.localAddress())
                .getPort());
        InetAddress senderAddress = ((InetSocketAddress) sender.localAddress()).getAddress();

        memberChannel.joinGroup(groupAddress, lo).sync();
        sender.writeAndFlush(new DatagramPacket(text("any source"), groupAddress)).sync();
        assertEquals("any source", text(receiver.packet()));

        memberChannel.block(group, lo, senderAddress).sync();
        sender.writeAndFlush(new DatagramPacket(text("blocked"), groupAddress)).sync();
        memberChannel.unblock(group, lo, senderAddress, member.newPromise()).sync();
        sender.writeAndFlush(new DatagramPacket(text("unblocked"), groupAddress)).sync();
        assertEquals("unblocked", text(receiver.packet()), "the blocked datagram got through");

        memberChannel.leaveGroup(groupAddress, lo).sync();
        memberChannel.joinGroup(group, lo, senderAddress).sync();
        sender.writeAndFlush(new DatagramPacket(text("source-specific"), groupAddress)).sync();
        assertEquals("source-specific", text(receiver.packet()));
        memberChannel.leaveGroup(group, lo, senderAddress).sync();
        assertNull(receiver.received.poll(), "left over: " + receiver.received);
    }
}
