package org.iouring4j.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The classic transport benchmark over HTTP/1.1: every request, whatever its path, gets a fixed
 * {@code Hello, World!} with keep-alive. Drive it with {@code wrk}.
 *
 * <p>Run:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Dport=8080 org.iouring4j.examples.HttpHelloServer
 * wrk -t1 -c64 -d10s http://127.0.0.1:8080/
 * </pre>
 *
 * <p>System properties as {@link EchoServer}'s: {@code -Dtransport=iouring4j} ({@code nio}, {@code epoll},
 * {@code netty-iouring}), {@code -Dhost=127.0.0.1}, {@code -Dport=8080} (0 picks a free one, printed),
 * {@code -Dthreads=1}.
 */
public final class HttpHelloServer {
    private HttpHelloServer() {
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.fromSystemProperty();
        String host = ExampleProperties.stringProperty("host", "127.0.0.1");
        int port = ExampleProperties.intProperty("port", 8080, 0, 65535);
        int threads = ExampleProperties.intProperty("threads", 1, 1, 1024);

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                    .childOption(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), HelloHandler.INSTANCE);
                        }
                    })
                    .bind(new InetSocketAddress(host, port))
                    .sync()
                    .channel();
            EchoServer.printListening("HttpHelloServer", server, transport, threads);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> EchoServer.stop(group), "http-server-shutdown"));
            server.closeFuture().sync();
        } finally {
            // Also when binding failed: the loops' threads would otherwise keep the JVM running after main.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Answers each request head with the fixed response and drops the request's body parts. Writes are flushed
     * once per read burst, so pipelined requests share one write.
     */
    @Sharable
    static final class HelloHandler extends ChannelInboundHandlerAdapter {
        static final HelloHandler INSTANCE = new HelloHandler();
        /**
         * The body, encoded once. Each response gets a duplicate, which shares the bytes and costs no copy;
         * unreleasable, so releasing a response never frees the shared bytes.
         */
        private static final ByteBuf HELLO = Unpooled.unreleasableBuffer(
                Unpooled.directBuffer().writeBytes("Hello, World!".getBytes(CharsetUtil.US_ASCII)));
        private static final CharSequence CONTENT_LENGTH = Integer.toString(HELLO.readableBytes());

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest) {
                    respond(ctx, (HttpRequest) msg);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void respond(ChannelHandlerContext ctx, HttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            boolean valid = request.decoderResult().isSuccess();
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                    valid ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST,
                    valid ? HELLO.duplicate() : Unpooled.EMPTY_BUFFER);
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .set(HttpHeaderNames.CONTENT_LENGTH, valid ? CONTENT_LENGTH : "0");
            if (keepAlive && valid) {
                // HTTP/1.0 clients only keep the connection when told so; for 1.1 it is the default.
                if (!request.protocolVersion().isKeepAliveDefault()) {
                    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                }
                ctx.write(response, ctx.voidPromise());
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.write(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
