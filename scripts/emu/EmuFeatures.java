import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import org.iouring4j.ring.KernelFeatures;
import org.iouring4j.ring.Probe;
import org.iouring4j.transport.Uring;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Run in the emulated guest by scripts/emulated-test.sh, before the tests: what the ring library probes on this
 * kernel, what the transport uses of it (or why it is unavailable), and one echo through a loop when it is
 * available, one {@code EMU-FEATURE key=value} line each, so the host can put them in its report. Never throws:
 * on a kernel below the floor the point is to show the unavailability message and a clean exit.
 */
public final class EmuFeatures {
    private EmuFeatures() {
    }

    public static void main(String[] args) throws Exception {
        line("arch", System.getProperty("os.arch"));
        line("kernel", System.getProperty("os.version"));
        line("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        line("ring.available", Probe.isAvailable());
        if (Probe.isAvailable()) {
            line("ring.probe", Probe.system());
            line("ring.kernelFeatures", KernelFeatures.system());
        } else {
            line("ring.cause", describe(Probe.unavailabilityCause()));
        }
        line("transport.available", Uring.isAvailable());
        if (!Uring.isAvailable()) {
            line("transport.cause", describe(Uring.unavailabilityCause()));
            try {
                UringIoHandler.newFactory();
                line("transport.newFactory", "created");
            } catch (Throwable t) {
                line("transport.newFactory", describe(t));
            }
            return;
        }
        line("transport.features", Uring.describeFeatures());
        line("transport.echo", echoOnce());
    }

    /** One message through a server and client on one io_uring loop: "ok" or what went wrong. */
    private static String echoOnce() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                    ctx.writeAndFlush(msg.retain());
                                }
                            });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            CompletableFuture<String> reply = new CompletableFuture<>();
            Channel client = new Bootstrap().group(group).channel(UringSocketChannel.class)
                    .handler(new SimpleChannelInboundHandler<ByteBuf>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                            reply.complete(msg.toString(StandardCharsets.US_ASCII));
                        }
                    }).connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
            String answer = reply.get(60, TimeUnit.SECONDS);
            client.close().sync();
            server.close().sync();
            return "ping".equals(answer) ? "ok" : "unexpected reply " + answer;
        } catch (Throwable t) {
            return describe(t);
        } finally {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static String describe(Throwable t) {
        return t == null ? "null" : t.getClass().getName() + ": " + t.getMessage();
    }

    private static void line(String key, Object value) {
        System.out.println("EMU-FEATURE " + key + "=" + value);
    }
}
