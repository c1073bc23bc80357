package org.iouring4j.examples;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.iouring4j.examples.StaticFileServer.FileReads;
import org.iouring4j.transport.Uring;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The static-file server over loopback, byte for byte: a multi-megabyte file, a file of one chunk or less, an empty
 * one, HEAD, 404s (missing, directory, outside the root) and pipelined requests answered in order, over plain HTTP and
 * TLS, reading files through the loop's ring on iouring4j and the usual ways on NIO; no buffer leaks (paranoid leak
 * detection, recorded), no descriptor of a served file left open.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StaticFileServerTest {
    private static final int KIB = 1024;
    private static final int CHUNK = 64 * KIB;
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Set<Class<?>> DETECTORS = ConcurrentHashMap.newKeySet();
    private static X509Bundle certificate;
    private static SslContext serverTls;

    @TempDir
    static Path root;

    private EventLoopGroup group;

    static {
        // Before any ByteBuf exists in this JVM (a fork of its own): every leak the detectors report is recorded.
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingLeakDetectorFactory());
    }

    @BeforeAll
    static void makeFilesAndCertificate() throws Exception {
        Files.write(root.resolve("big.bin"), pattern(5 * KIB * KIB + 4321, 1));
        Files.write(root.resolve("small.txt"), pattern(1000, 2));
        Files.write(root.resolve("one-chunk.bin"), pattern(CHUNK, 3));
        Files.write(root.resolve("empty"), new byte[0]);
        Files.createDirectory(root.resolve("sub"));
        Files.write(root.resolve("sub").resolve("index.html"), pattern(70 * KIB, 4));
        certificate = StaticFileServer.selfSignedCertificate();
        serverTls = SslContextBuilder.forServer(certificate.getKeyPair().getPrivate(),
                certificate.getCertificatePath()).build();
    }

    @AfterAll
    static void noLeaks() throws Exception {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            ByteBufAllocator.DEFAULT.directBuffer(1).release(); // detectors report on their next track()
            EchoServer.ALLOCATOR.directBuffer(1).release();
        }
        assertTrue(DETECTORS.contains(ByteBuf.class), "the leak recorder came too late to see ByteBuf leaks");
        assertEquals(List.of(), LEAKS);
    }

    @AfterEach
    void stop() throws Exception {
        if (group != null) {
            assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), openFilesUnder(root), "descriptors of served files left open");
    }

    @Test
    void iouring4jReadingThroughTheLoopServesFilesByteExactlyOverPlainHttp() throws Exception {
        checkEverything(start(Transport.IOURING4J, FileReads.LOOP, false), false);
    }

    @Test
    void iouring4jReadingThroughTheLoopServesFilesByteExactlyOverTls() throws Exception {
        checkEverything(start(Transport.IOURING4J, FileReads.LOOP, true), true);
    }

    @Test
    void nioWithFileRegionsAndChunkedBlockingReadsServesTheSame() throws Exception {
        checkEverything(start(Transport.NIO, FileReads.REGION, false), false);
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(20, TimeUnit.SECONDS);
        checkEverything(start(Transport.NIO, FileReads.REGION, true), true); // TLS: ChunkedNioFile
    }

    @Test
    void pipelinedRequestsAreAnsweredInTheirOrder() throws Exception {
        Channel server = start(Transport.IOURING4J, FileReads.LOOP, false);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            String requests = "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\nGET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
            out.write(requests.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertArrayEquals(Files.readAllBytes(root.resolve("big.bin")), readResponse(in, 200));
            assertArrayEquals(Files.readAllBytes(root.resolve("small.txt")), readResponse(in, 200));
            readResponse(in, 404);
            assertArrayEquals(new byte[0], readResponse(in, 200));
            assertEquals(-1, in.read(), "Connection: close was honoured");
        }
    }

    private void checkEverything(Channel server, boolean tls) throws Exception {
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        HttpClient client = client(tls);
        String base = (tls ? "https" : "http") + "://127.0.0.1:" + port;
        for (String name : new String[] {"big.bin", "small.txt", "one-chunk.bin", "empty", "big.bin"}) {
            HttpResponse<byte[]> response = get(client, base + "/" + name, "GET");
            assertEquals(200, response.statusCode(), name);
            assertArrayEquals(Files.readAllBytes(root.resolve(name)), response.body(), name);
        }
        assertArrayEquals(Files.readAllBytes(root.resolve("sub/index.html")), get(client, base + "/sub/", "GET").body());
        HttpResponse<byte[]> head = get(client, base + "/big.bin", "HEAD");
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(String.valueOf(Files.size(root.resolve("big.bin"))),
                head.headers().firstValue("content-length").orElse(null));
        assertEquals(404, get(client, base + "/missing.bin", "GET").statusCode());
        assertEquals(404, get(client, base + "/sub", "GET").statusCode(), "a directory is not served");
        assertEquals(404, get(client, base + "/%2e%2e/%2e%2e/etc/passwd", "GET").statusCode());
        assertEquals(405, get(client, base + "/big.bin", "DELETE").statusCode());
    }

    private Channel start(Transport transport, FileReads reads, boolean tls) throws Exception {
        if (transport == Transport.IOURING4J && !Uring.isAvailable()) {
            if (Boolean.getBoolean("iouring4j.requireUring")) {
                throw new AssertionError("io_uring is required but unavailable", Uring.unavailabilityCause());
            }
            Assumptions.abort("io_uring unavailable: " + Uring.unavailabilityCause());
        }
        group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        return StaticFileServer.start(transport, group, new InetSocketAddress("127.0.0.1", 0), root, reads, CHUNK,
                tls ? serverTls : null);
    }

    private static HttpClient client(boolean tls) throws Exception {
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        if (tls) {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, certificate.toTrustManagerFactory().getTrustManagers(), null);
            builder.sslContext(context);
        }
        return builder.build();
    }

    private static HttpResponse<byte[]> get(HttpClient client, String uri, String method) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Reads one HTTP/1.1 response with a Content-Length from {@code in}; its body. */
    private static byte[] readResponse(InputStream in, int expectedStatus) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertTrue(b >= 0, "the connection closed inside a response head: " + head);
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        assertTrue(text.startsWith("HTTP/1.1 " + expectedStatus + " "), text);
        int length = -1;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        assertTrue(length >= 0, text);
        return in.readNBytes(length);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (i * 7 + seed + (i >>> 10));
        }
        return data;
    }

    private static List<String> openFilesUnder(Path dir) throws Exception {
        List<String> found = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(dir.toAbsolutePath().toString() + "/")) {
                        found.add(target);
                    }
                } catch (java.io.IOException closedMeanwhile) {
                    // the directory stream's own descriptor
                }
            }
        }
        return found;
    }

    /** Netty's leak detectors, each also recording what it reports into {@link #LEAKS}. */
    private static final class RecordingLeakDetectorFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            DETECTORS.add(resource);
            return new ResourceLeakDetector<T>(resource, samplingInterval) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add("LEAK: " + resourceType + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add("LEAK: " + resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }

        @Override
        @Deprecated
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return newResourceLeakDetector(resource, samplingInterval);
        }
    }
}
