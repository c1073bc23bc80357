package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * {@code AUTO_READ=false} given as a bootstrap option, which Netty applies before the channel is registered
 * (as proxies do: {@code .childOption(ChannelOption.AUTO_READ, false)}). Found while writing the peer-fault
 * tests: the connection must still be accepted, read nothing until asked, then deliver everything.
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AutoReadOptionTest {
    private EventLoopGroup group;

    @AfterEach
    void shutdown() {
        Reliability.shutdown(group);
    }

    @Test
    void childOptionAutoReadFalseStillAcceptsAndDeliversOnRequest() throws Exception {
        group = Reliability.uringGroup(1);
        BlockingQueue<PatternReader> readers = new LinkedBlockingQueue<>();
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        PatternReader reader = new PatternReader(5);
                        ch.pipeline().addLast(reader);
                        readers.add(reader);
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        try {
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            byte[] data = new byte[10_000];
            Reliability.fillPattern(data, 0, data.length, 5, 0);
            try (Socket client = new Socket(address.getAddress(), address.getPort())) {
                client.getOutputStream().write(data);
                PatternReader reader = readers.poll(5, TimeUnit.SECONDS);
                assertNotNull(reader, "the accepted connection was never registered (see the WARN log)");
                Channel child = reader.active.get(5, TimeUnit.SECONDS);
                assertFalse(child.config().isAutoRead());
                assertEquals(0, reader.received());
                client.shutdownOutput();
                child.config().setAutoRead(true);
                assertEquals(data.length, (long) reader.closed.get(5, TimeUnit.SECONDS));
                assertNull(reader.mismatch());
            }
        } finally {
            server.close().sync();
        }
    }

    @Test
    void optionAutoReadFalseIsAppliedToClientAndServerChannels() throws Exception {
        group = Reliability.uringGroup(1);
        Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .childHandler(Reliability.EchoHandler.INSTANCE)
                .bind(Reliability.LOOPBACK).sync().channel();
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertFalse(server.config().isAutoRead(), "AUTO_READ=false was not applied to the server channel");
            Channel client = new Bootstrap().group(group).channel(UringSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(Reliability.EchoHandler.INSTANCE)
                    .connect(listener.getLocalSocketAddress()).sync().channel();
            try {
                assertFalse(client.config().isAutoRead(), "AUTO_READ=false was not applied to the client channel");
            } finally {
                client.close().sync();
            }
        } finally {
            server.close().sync();
        }
    }
}
