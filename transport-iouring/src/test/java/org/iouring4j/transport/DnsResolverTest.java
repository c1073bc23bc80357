package org.iouring4j.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.SingletonDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's DNS resolver, as frameworks build it, on an iouring4j event loop with {@link UringDatagramChannel},
 * against a small DNS responder on 127.0.0.1: A and AAAA answers, NXDOMAIN, and a name the responder never answers.
 */
@ExtendWith(RequiresUring.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DnsResolverTest {
    private static final String NAME = "service.iouring4j.test";
    private static final byte[] A = {10, 1, 2, 3};
    private static final byte[] AAAA = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};

    private EventLoopGroup responderGroup;
    private EventLoopGroup uringGroup;
    private Channel responder;
    private final AtomicInteger queries = new AtomicInteger();

    @BeforeEach
    void startResponder() throws InterruptedException {
        responderGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        uringGroup = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        responder = new Bootstrap().group(responderGroup).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new Responder());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @AfterEach
    void stop() throws InterruptedException {
        responder.close().sync();
        assertTrue(uringGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        assertTrue(responderGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
    }

    /** Answers A and AAAA for {@link #NAME}, NXDOMAIN for "missing.", nothing for "silent.". */
    private final class Responder extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            String name = question.name();
            if (name.startsWith("silent.")) {
                return;
            }
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, question.type()));
            if (name.equals(NAME + ".") && (question.type() == DnsRecordType.A || question.type() == DnsRecordType.AAAA)) {
                byte[] address = question.type() == DnsRecordType.A ? A : AAAA;
                response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(name, question.type(), 60,
                        Unpooled.wrappedBuffer(address)));
            } else {
                response.setCode(DnsResponseCode.NXDOMAIN);
            }
            ctx.writeAndFlush(response);
        }
    }

    private DnsNameResolver resolver(ResolvedAddressTypes types) {
        return new DnsNameResolverBuilder(uringGroup.next())
                .datagramChannelType(UringDatagramChannel.class)
                .nameServerProvider(new SingletonDnsServerAddressStreamProvider(
                        (InetSocketAddress) responder.localAddress()))
                .resolvedAddressTypes(types).queryTimeoutMillis(1000).maxQueriesPerResolve(2)
                .build();
    }

    @Test
    void resolvesAAndAaaaRecords() throws Exception {
        try (DnsNameResolver resolver = resolver(ResolvedAddressTypes.IPV4_ONLY)) {
            InetAddress address = resolver.resolve(NAME).get(10, TimeUnit.SECONDS);
            assertEquals(InetAddress.getByAddress(A), address);
        }
        try (DnsNameResolver resolver = resolver(ResolvedAddressTypes.IPV6_ONLY)) {
            List<InetAddress> addresses = resolver.resolveAll(NAME).get(10, TimeUnit.SECONDS);
            assertEquals(List.of(InetAddress.getByAddress(AAAA)), addresses);
        }
    }

    @Test
    void anUnknownNameFailsWithUnknownHostException() throws Exception {
        try (DnsNameResolver resolver = resolver(ResolvedAddressTypes.IPV4_ONLY)) {
            Future<InetAddress> result = resolver.resolve("missing.iouring4j.test").await();
            assertFalse(result.isSuccess());
            assertInstanceOf(UnknownHostException.class, result.cause());
        }
    }

    @Test
    void aResponderThatNeverAnswersTimesOut() throws Exception {
        try (DnsNameResolver resolver = resolver(ResolvedAddressTypes.IPV4_ONLY)) {
            Future<InetAddress> result = resolver.resolve("silent.iouring4j.test").await();
            assertFalse(result.isSuccess());
            Throwable cause = result.cause();
            assertInstanceOf(UnknownHostException.class, cause);
            assertInstanceOf(DnsNameResolverTimeoutException.class, cause.getCause(), String.valueOf(cause));
            assertTrue(queries.get() >= 1, "the responder saw no query");
        }
    }
}
