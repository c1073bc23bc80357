package org.iouring4j.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A small static-file HTTP/1.1 server: {@code GET} and {@code HEAD} of the regular files under one directory, with
 * keep-alive, over plain TCP or TLS. On iouring4j it reads the files through the event loop's own ring
 * ({@link org.iouring4j.transport.UringLoopFile}, {@link org.iouring4j.transport.UringChunkedFile}): no read blocks
 * the loop and none hops to another thread. On the other transports it reads them the usual Netty way.
 *
 * <p>Run:
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar -Ddir=/srv/files -Dport=8080 org.iouring4j.examples.StaticFileServer
 * curl -o copy.bin http://127.0.0.1:8080/big.bin
 * java -cp benchmarks/target/benchmarks.jar -Ddir=/srv/files -Dtls=true org.iouring4j.examples.StaticFileServer
 * curl -k -o copy.bin https://127.0.0.1:8080/big.bin
 * </pre>
 *
 * <p>System properties: {@code -Ddir=PATH} (required: the directory served; {@code /} serves {@code index.html});
 * {@code -Dtls=true} for HTTPS, with {@code -Dcert=PEM -Dkey=PEM} or else a self-signed certificate for
 * {@code localhost} made in-process at start; {@code -DfileReads=loop|blocking|region} (see {@link FileReads}; the
 * default is {@code loop} on iouring4j, else {@code region} for plain HTTP and {@code blocking} under TLS);
 * {@code -DchunkSize=65536} (bytes per file read); and as {@link EchoServer}'s: {@code -Dtransport=iouring4j}
 * ({@code nio}, {@code epoll}, {@code netty-iouring}), {@code -Dhost=127.0.0.1}, {@code -Dport=8080} (0 picks a free
 * one, printed), {@code -Dthreads=1}.
 */
public final class StaticFileServer {
    private StaticFileServer() {
    }

    /** How the server reads the files it sends. */
    public enum FileReads {
        /**
         * Through the event loop's ring: {@code UringLoopFile} opens the file and reads its first chunk, and a
         * {@code UringChunkedFile} the rest (iouring4j only; plain and TLS alike).
         */
        LOOP,
        /** Netty's {@code ChunkedNioFile}: blocking {@code FileChannel} reads on the event loop (any transport). */
        BLOCKING,
        /**
         * Netty's {@code DefaultFileRegion}: {@code sendfile} on NIO and epoll, SPLICE on iouring4j; plain HTTP only
         * (TLS must see the bytes, so a TLS server reads {@link #BLOCKING}ly instead).
         */
        REGION;

        /** The mode {@code -DfileReads} names, or the default for this transport and TLS setting. */
        static FileReads fromSystemProperty(Transport transport, boolean tls) {
            String name = System.getProperty("fileReads");
            if (name == null) {
                return transport == Transport.IOURING4J ? LOOP : tls ? BLOCKING : REGION;
            }
            FileReads reads;
            try {
                reads = valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("-DfileReads must be loop, blocking or region: " + name, e);
            }
            if (reads == LOOP && transport != Transport.IOURING4J) {
                throw new IllegalArgumentException("-DfileReads=loop reads through iouring4j's ring: it needs"
                        + " -Dtransport=iouring4j, not " + transport.id());
            }
            return reads == REGION && tls ? BLOCKING : reads;
        }
    }

    public static void main(String[] args) throws Exception {
        Transport transport = Transport.fromSystemProperty();
        String host = ExampleProperties.stringProperty("host", "127.0.0.1");
        int port = ExampleProperties.intProperty("port", 8080, 0, 65535);
        int threads = ExampleProperties.intProperty("threads", 1, 1, 1024);
        int chunkSize = ExampleProperties.intProperty("chunkSize", 64 * 1024, 512, 16 * 1024 * 1024);
        boolean tls = Boolean.parseBoolean(ExampleProperties.stringProperty("tls", "false"));
        String dir = ExampleProperties.stringProperty("dir", null);
        if (dir == null) {
            throw new IllegalArgumentException("-Ddir=PATH is required: the directory whose files are served");
        }
        FileReads reads = FileReads.fromSystemProperty(transport, tls);
        SslContext sslContext = tls ? sslContext() : null;

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, transport.ioHandlerFactory());
        try {
            Channel server = start(transport, group, new InetSocketAddress(host, port), Path.of(dir), reads,
                    chunkSize, sslContext);
            EchoServer.printListening("StaticFileServer", server, transport, threads);
            System.out.printf(Locale.ROOT, "serving %s over %s, file reads: %s, %d-byte chunks%n",
                    Path.of(dir).toAbsolutePath(), tls ? "HTTPS" : "HTTP", reads.name().toLowerCase(Locale.ROOT),
                    chunkSize);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> EchoServer.stop(group, server),
                    "static-file-server-shutdown"));
            server.closeFuture().sync();
        } finally {
            // Also when binding failed: the loops' threads would otherwise keep the JVM running after main.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /**
     * Binds a server on {@code group} that serves the files under {@code root}; returns the listening channel.
     *
     * @param sslContext a server context for HTTPS, or null for plain HTTP
     * @throws IllegalArgumentException when {@code root} is not a directory, or {@code reads} is {@code LOOP} on a
     *                                  transport other than iouring4j
     */
    static Channel start(Transport transport, EventLoopGroup group, SocketAddress address, Path root,
                         FileReads reads, int chunkSize, SslContext sslContext) throws InterruptedException {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a directory: " + root);
        }
        if (reads == FileReads.LOOP && transport != Transport.IOURING4J) {
            throw new IllegalArgumentException("FileReads.LOOP needs the iouring4j transport, not " + transport.id());
        }
        FileReads effective = reads == FileReads.REGION && sslContext != null ? FileReads.BLOCKING : reads;
        Path base = root.toAbsolutePath().normalize();
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                .childOption(ChannelOption.ALLOCATOR, EchoServer.ALLOCATOR)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                        }
                        ChunkedWriteHandler chunkedWriter = new ChunkedWriteHandler();
                        ch.pipeline().addLast(new HttpServerCodec(), chunkedWriter,
                                new StaticFileHandler(base, effective, chunkSize, chunkedWriter));
                    }
                })
                .bind(address)
                .sync()
                .channel();
    }

    /**
     * The server's TLS context: from {@code -Dcert} and {@code -Dkey} (PEM files) when given, else a self-signed
     * certificate for {@code localhost} and {@code 127.0.0.1}, made here (no network, no keytool) and printed as a
     * note, since clients must be told to trust it ({@code curl -k}).
     */
    static SslContext sslContext() throws Exception {
        String cert = System.getProperty("cert");
        String key = System.getProperty("key");
        if (cert != null || key != null) {
            if (cert == null || key == null) {
                throw new IllegalArgumentException("-Dcert and -Dkey go together: the PEM certificate chain and key");
            }
            return SslContextBuilder.forServer(new File(cert), new File(key)).build();
        }
        X509Bundle selfSigned = selfSignedCertificate();
        System.out.println("TLS: a self-signed certificate for localhost (clients must trust it, e.g. curl -k)");
        return SslContextBuilder.forServer(selfSigned.getKeyPair().getPrivate(), selfSigned.getCertificatePath())
                .build();
    }

    /** A self-signed ECDSA P-256 certificate for {@code localhost} and {@code 127.0.0.1}. */
    static X509Bundle selfSignedCertificate() throws Exception {
        return new CertificateBuilder()
                .ecp256()
                .subject("CN=localhost")
                .addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1")
                .setIsCertificateAuthority(true)
                .buildSelfSigned();
    }
}
