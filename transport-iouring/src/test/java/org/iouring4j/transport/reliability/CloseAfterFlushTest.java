package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code channel.writeAndFlush(msg); channel.close();} — a common way to send a last message. On Netty's NIO
 * transport the flush hands the bytes to the socket before the close runs, so they arrive and the write
 * succeeds. Found by {@link ConcurrentWritersTest}, where thousands of writes that failed with
 * ClosedChannelException had nevertheless been delivered.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CloseAfterFlushTest {
    private static final int ROUNDS = 50;
    private static final int LENGTH = 1024; // fits in any socket buffer: the flush can complete at once

    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(group);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"nio", "iouring4j"})
    void writeAndFlushThenCloseDeliversTheMessageAndSucceeds(String transport) throws Exception {
        boolean nio = transport.equals("nio");
        group = nio ? new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()) : Reliability.uringGroup(1);
        int delivered = 0;
        int succeeded = 0;
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            for (int round = 0; round < ROUNDS; round++) {
                Channel ch = new Bootstrap().group(group).channel(nio ? NioSocketChannel.class : UringSocketChannel.class)
                        .handler(Reliability.DiscardHandler.INSTANCE)
                        .connect(listener.getLocalSocketAddress()).sync().channel();
                try (Socket peer = listener.accept()) {
                    peer.setSoTimeout(10_000);
                    CompletableFuture<ChannelFuture> write = new CompletableFuture<>();
                    byte[] data = new byte[LENGTH];
                    Reliability.fillPattern(data, 0, LENGTH, round, 0);
                    // From the loop, as a handler would: both calls run back to back.
                    ch.eventLoop().execute(() -> {
                        write.complete(ch.writeAndFlush(Unpooled.wrappedBuffer(data)));
                        ch.close();
                    });
                    InputStream in = peer.getInputStream();
                    byte[] got = in.readAllBytes();
                    if (got.length == LENGTH && java.util.Arrays.equals(data, got)) {
                        delivered++;
                    }
                    if (write.get(5, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS)
                            && write.get().isSuccess()) {
                        succeeded++;
                    }
                }
                ch.closeFuture().sync();
            }
        }
        System.out.printf("%s: writeAndFlush + close: %d of %d delivered, %d of %d writes reported success%n",
                transport, delivered, ROUNDS, succeeded, ROUNDS);
        assertEquals(ROUNDS, delivered, "messages lost by a close right after their flush");
        assertEquals(ROUNDS, succeeded, "writes reported failed although flushed before the close");
    }
}
