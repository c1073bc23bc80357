package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainDatagramChannel;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.DatagramUnicastTest;

import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's {@link DatagramUnicastTest} over Unix datagram sockets, iouring4j on both sides, with socket paths in a
 * temporary directory: the handlers check every datagram's bytes, its recipient (the receiver's own path) and its
 * sender (the client's path, or none when the client never bound).
 */
@UringTestsuite
public class UringDomainDatagramUnicastTest extends DatagramUnicastTest {
    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.domainDatagram();
    }

    @Override
    protected SocketAddress newSocketAddress() {
        return UringSocketTestPermutation.newDomainSocketAddress();
    }

    @Override
    protected boolean isConnected(Channel channel) {
        return ((DomainDatagramChannel) channel).isConnected();
    }

    /** Unlike epoll's channel, which closes on disconnect, this one dissolves the association as UDP does. */
    @Override
    protected boolean supportDisconnect() {
        return true;
    }

    @Override
    protected Channel setupClientChannel(Bootstrap cb, byte[] bytes, CountDownLatch latch,
                                         AtomicReference<Throwable> errorRef) throws Throwable {
        cb.handler(new Checker(bytes, false, null, latch, errorRef, false));
        return cb.bind(newSocketAddress()).sync().channel();
    }

    @Override
    protected Channel setupServerChannel(Bootstrap sb, byte[] bytes, SocketAddress sender, CountDownLatch latch,
                                         AtomicReference<Throwable> errorRef, boolean echo) throws Throwable {
        sb.handler(new Checker(bytes, true, sender, latch, errorRef, echo));
        return sb.bind(newSocketAddress()).sync().channel();
    }

    @Override
    protected ChannelFuture write(Channel cc, ByteBuf buf, SocketAddress remote, WrapType wrapType) {
        DomainSocketAddress to = (DomainSocketAddress) remote;
        switch (wrapType) {
            case DUP:
                return cc.write(new DomainDatagramPacket(buf.retainedDuplicate(), to));
            case SLICE:
                return cc.write(new DomainDatagramPacket(buf.retainedSlice(), to));
            case READ_ONLY:
                return cc.write(new DomainDatagramPacket(buf.retain().asReadOnly(), to));
            case NONE:
                return cc.write(new DomainDatagramPacket(buf.retain(), to));
            default:
                throw new AssertionError(wrapType);
        }
    }

    /**
     * The testsuite sends empty datagrams from a JDK socket, which cannot take a Unix address (the test would be
     * skipped): here an iouring4j channel sends them, each awaited before the next.
     */
    @Override
    public void testReceiveEmptyDatagrams(Bootstrap sb, Bootstrap cb) throws Throwable {
        Semaphore received = new Semaphore(0);
        AtomicReference<Throwable> error = new AtomicReference<>();
        Channel server = sb.handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                if (packet.content().isReadable()) {
                    error.compareAndSet(null, new AssertionError("not empty: " + packet));
                }
                received.release();
            }
        }).bind(newSocketAddress()).sync().channel();
        Channel client = cb.handler(new SimpleChannelInboundHandler<Object>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            }
        }).bind(newSocketAddress()).sync().channel();
        try {
            for (int i = 0; i < 100; i++) {
                client.writeAndFlush(new DomainDatagramPacket(Unpooled.EMPTY_BUFFER,
                        (DomainSocketAddress) server.localAddress())).sync();
                assertTrue(received.tryAcquire(10, TimeUnit.SECONDS), "empty datagram " + i + " did not arrive");
            }
            assertNull(error.get());
        } finally {
            closeChannel(client);
            closeChannel(server);
        }
    }

    /** Checks each datagram (its sender too, on the server side); echoes it back to its sender when asked to. */
    private static final class Checker extends SimpleChannelInboundHandler<DomainDatagramPacket> {
        private final byte[] bytes;
        private final boolean checkSender;
        private final SocketAddress sender;
        private final CountDownLatch latch;
        private final AtomicReference<Throwable> errorRef;
        private final boolean echo;

        Checker(byte[] bytes, boolean checkSender, SocketAddress sender, CountDownLatch latch,
                AtomicReference<Throwable> errorRef, boolean echo) {
            this.bytes = bytes;
            this.checkSender = checkSender;
            this.sender = sender;
            this.latch = latch;
            this.errorRef = errorRef;
            this.echo = echo;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
            try {
                if (checkSender) {
                    // A client that never bound has no name: its datagrams come without a sender.
                    assertEquals(sender, packet.sender());
                }
                ByteBuf content = packet.content();
                assertEquals(bytes.length, content.readableBytes());
                for (int i = 0; i < bytes.length; i++) {
                    assertEquals(bytes[i], content.getByte(content.readerIndex() + i), "byte " + i);
                }
                assertEquals(ctx.channel().localAddress(), packet.recipient());
                if (echo) {
                    ctx.writeAndFlush(new DomainDatagramPacket(content.retainedDuplicate(), packet.sender()));
                }
            } catch (Throwable t) {
                errorRef.compareAndSet(null, t);
            } finally {
                latch.countDown();
            }
        }
    }
}
