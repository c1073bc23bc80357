package org.iouring4j.moduleuser;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultFileRegion;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.iouring4j.transport.Uring;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;

import java.io.ByteArrayOutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An application on the module path, launched by {@code ModuleBoundaryTest}: it tries to reach the ring's internal
 * package in every way reflection offers, then runs a loopback echo on the transport. One line per finding on
 * standard output, which the test reads: {@code denied <how>: <exception>} or {@code ALLOWED <how>}, the exports
 * of both library modules as the boot layer has them, then {@code echo ok ...} or {@code unavailable ...}.
 */
public final class ModuleUser {
    private static final String INTERNAL_CLASS = "org.iouring4j.ring.internal.Syscalls";

    private ModuleUser() {
    }

    /** One reflective attempt at the internal package. */
    private interface Attempt {
        void run() throws Throwable;
    }

    public static void main(String[] args) throws Exception {
        for (String name : new String[] {"org.iouring4j.ring", "org.iouring4j.transport"}) {
            Module module = ModuleLayer.boot().findModule(name).orElseThrow();
            // Sorted: a descriptor's exports are a set, printed in no fixed order.
            System.out.println("exports " + name + " " + new java.util.TreeSet<>(
                    module.getDescriptor().exports().stream().map(Object::toString).toList()));
        }

        // Loading names no access: a Class object is no way in by itself.
        Class<?> internal = Class.forName(INTERNAL_CLASS, false, ModuleUser.class.getClassLoader());
        System.out.println("loaded " + internal.getName() + " in " + internal.getModule().getName());
        attempt("Method.invoke", () -> internal.getMethod("pageSize").invoke(null));
        attempt("setAccessible", () -> internal.getMethod("pageSize").setAccessible(true));
        attempt("Lookup.findStatic", () -> MethodHandles.lookup()
                .findStatic(internal, "pageSize", MethodType.methodType(int.class)));
        attempt("privateLookupIn", () -> MethodHandles.privateLookupIn(internal, MethodHandles.lookup()));

        if (!Uring.isAvailable()) {
            System.out.println("unavailable " + Uring.unavailabilityCause());
            return;
        }
        echo();
    }

    private static void attempt(String how, Attempt attempt) {
        try {
            attempt.run();
            System.out.println("ALLOWED " + how);
        } catch (Throwable t) {
            System.out.println("denied " + how + ": " + t.getClass().getName());
        }
    }

    /**
     * A server that sends a file (a {@link DefaultFileRegion}) to each client and then echoes, and a client that
     * sends a payload: the client must receive the file's bytes, then its payload, intact.
     */
    private static void echo() throws Exception {
        byte[] fileBytes = pattern(100_000, 7);
        byte[] payload = pattern(64 * 1024, 13);
        byte[] expected = Arrays.copyOf(fileBytes, fileBytes.length + payload.length);
        System.arraycopy(payload, 0, expected, fileBytes.length, payload.length);
        Path file = Files.createTempFile("iouring4j-module-user", ".bin");
        Files.write(file, fileBytes);

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory());
        try {
            Channel server = new ServerBootstrap().group(group).channel(UringServerSocketChannel.class)
                    .childHandler(new FileThenEcho(file, fileBytes.length))
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            Receiver receiver = new Receiver(expected.length);
            Channel client = new Bootstrap().group(group).channel(UringSocketChannel.class).handler(receiver)
                    .connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
            byte[] received = receiver.done.get(10, TimeUnit.SECONDS);
            client.close().sync();
            server.close().sync();
            System.out.println(Arrays.equals(expected, received)
                    ? "echo ok " + received.length + " bytes on " + client.getClass().getSimpleName()
                    : "echo CORRUPT: " + received.length + " bytes, not the " + expected.length + " sent");
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).sync();
            Files.delete(file);
        }
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * seed + (i >>> 8));
        }
        return bytes;
    }

    @ChannelHandler.Sharable
    private static final class FileThenEcho extends ChannelInboundHandlerAdapter {
        private final Path file;
        private final long length;

        FileThenEcho(Path file, long length) {
            this.file = file;
            this.length = length;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(new DefaultFileRegion(file.toFile(), 0, length));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            cause.printStackTrace();
            ctx.close();
        }
    }

    private static final class Receiver extends ChannelInboundHandlerAdapter {
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final int expected;

        Receiver(int expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            ByteBuf buf = (ByteBuf) msg;
            try {
                buf.readBytes(received, buf.readableBytes());
            } finally {
                buf.release();
            }
            if (received.size() >= expected) {
                done.complete(received.toByteArray());
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("closed after " + received.size() + " bytes"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
