package org.iouring4j.benchmarks;

import org.iouring4j.examples.Transport;

import java.util.List;

/**
 * One load shape of the {@link TransportComparison}: an echo load ({@code EchoClient}: connections × messages in
 * flight × message size, over TCP or a Unix domain socket), the echo latency probe, a UDP echo load
 * ({@code UdpEchoClient}: client sockets × datagrams in flight × datagram size), an HTTP load ({@code wrk} with
 * that many connections), idle connections held open ({@code IdleClient}: the server's memory per connection), or
 * file downloads ({@code DownloadClient} against {@code FileServer}: parallel downloads of a file of {@code size}
 * bytes), or static-file requests ({@code wrk} with that many connections against {@code StaticFileServer}, every
 * request for the same file of {@code size} bytes).
 *
 * @param id          the name {@code -Dscenarios} takes
 * @param label       the name tables and charts show
 * @param connections connections, or for UDP client sockets, or parallel downloads
 * @param size        message or datagram size in bytes; for a download or a static file the file's
 */
record Scenario(String id, String label, Kind kind, int connections, int inflight, int size) {
    enum Kind {
        /** Throughput of {@code EchoServer} under {@code EchoClient}. */
        ECHO,
        /** {@code EchoClient} with one message in flight on one connection: round-trip latency. */
        LATENCY,
        /** Throughput of {@code EchoServer -Dunix=...} under {@code EchoClient -Dunix=...}. */
        UNIX_ECHO,
        /** Datagrams echoed by {@code UdpEchoServer} under {@code UdpEchoClient}. */
        UDP_ECHO,
        /** Throughput of {@code HttpHelloServer} under {@code wrk}. */
        HTTP,
        /**
         * {@code EchoServer} holding {@code IdleClient}'s connections, each echoed once and then idle: the server's
         * memory per connection; each round on a fresh server JVM.
         */
        IDLE,
        /** {@code FileServer} sending a {@code DefaultFileRegion} per connection under {@code DownloadClient}. */
        DOWNLOAD,
        /**
         * {@code StaticFileServer} under {@code wrk}: each request opens, reads and closes the file, the way its
         * {@code -DfileReads} says (the loop's ring on iouring4j, {@code sendfile} or blocking reads elsewhere).
         */
        STATIC_FILE
    }

    /**
     * The UDP scenarios run 4 client sockets × 32 datagrams in flight: several peers, as a UDP service has, so the
     * server addresses every echo anew; 128 datagrams in flight, enough that a server loop always finds a batch
     * waiting (as the TCP echo's 16 × 16 does), yet few enough that all of them fit the server's receive buffer
     * (1,400-byte datagrams cost it some 2.3 KiB each), so that a loss says something about the transport.
     */
    static final List<Scenario> ALL = List.of(
            new Scenario("echo-16x16x256", "echo 16×16×256 B", Kind.ECHO, 16, 16, 256),
            new Scenario("echo-64x1x64", "echo 64×1×64 B", Kind.ECHO, 64, 1, 64),
            new Scenario("echo-4x64x4k", "echo 4×64×4 KiB", Kind.ECHO, 4, 64, 4096),
            new Scenario("latency-1x1x64", "latency 1×1×64 B", Kind.LATENCY, 1, 1, 64),
            new Scenario("unix-echo-16x16x256", "Unix echo 16×16×256 B", Kind.UNIX_ECHO, 16, 16, 256),
            new Scenario("udp-echo-64", "UDP echo 4×32×64 B", Kind.UDP_ECHO, 4, 32, 64),
            new Scenario("udp-echo-1400", "UDP echo 4×32×1400 B", Kind.UDP_ECHO, 4, 32, 1400),
            new Scenario("http-64", "HTTP 64 conns", Kind.HTTP, 64, 1, 0),
            new Scenario("http-256", "HTTP 256 conns", Kind.HTTP, 256, 1, 0),
            new Scenario("idle-10k", "10k idle conns", Kind.IDLE, 10_000, 1, 16),
            new Scenario("file-download-1g", "file download 2×1 GiB", Kind.DOWNLOAD, 2, 1, 1 << 30),
            new Scenario("static-file-64k", "static file 64 conns × 64 KiB", Kind.STATIC_FILE, 64, 1, 64 * 1024));

    /**
     * What runs unless {@code -Dscenarios} says otherwise: all but the idle connections and the file scenarios. Those
     * need what the others do not (file descriptors for 10,000 connections a side; 1 GiB of temporary disk and
     * page cache), measure footprint and the file path rather than the echo and HTTP throughput the default run
     * compares, and would add some 15 minutes to its hour: they run when named.
     */
    static final List<Scenario> DEFAULT = ALL.stream()
            .filter(s -> s.kind != Kind.IDLE && s.kind != Kind.DOWNLOAD && s.kind != Kind.STATIC_FILE)
            .toList();

    /** The server main this scenario runs. */
    String serverMainClass() {
        return switch (kind) {
            case HTTP -> "org.iouring4j.examples.HttpHelloServer";
            case UDP_ECHO -> "org.iouring4j.examples.UdpEchoServer";
            case DOWNLOAD -> "org.iouring4j.examples.FileServer";
            case STATIC_FILE -> "org.iouring4j.examples.StaticFileServer";
            default -> "org.iouring4j.examples.EchoServer";
        };
    }

    /** What one unit of throughput is. */
    String unit() {
        return switch (kind) {
            case HTTP, STATIC_FILE -> "req";
            case UDP_ECHO -> "pkt";
            case IDLE -> "conn";
            case DOWNLOAD -> "MiB";
            default -> "msg";
        };
    }

    /**
     * Whether the table's per-operation columns are per message, datagram or request, the unit the charts share;
     * not for the idle connections (per connection set up) and the download (per MiB).
     */
    boolean perMessage() {
        return kind != Kind.IDLE && kind != Kind.DOWNLOAD;
    }

    /** Whether {@code wrk} is the load: HTTP requests. */
    boolean usesWrk() {
        return kind == Kind.HTTP || kind == Kind.STATIC_FILE;
    }

    /** The path {@code wrk} requests: the static file's name, or {@code /}. */
    String httpPath() {
        return kind == Kind.STATIC_FILE ? "/" + DownloadFile.NAME : "/";
    }

    /** Why {@code transport} cannot serve this scenario, in its own words; null when it can. */
    String unsupportedBy(Transport transport) {
        if (kind != Kind.UNIX_ECHO) {
            return null;
        }
        try {
            transport.serverDomainSocketChannel();
            return null;
        } catch (UnsupportedOperationException e) {
            return e.getMessage();
        }
    }
}
