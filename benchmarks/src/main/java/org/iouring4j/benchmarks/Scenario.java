package org.iouring4j.benchmarks;

import org.iouring4j.examples.Transport;

import java.util.List;

/**
 * One load shape of the {@link TransportComparison}: an echo load ({@code EchoClient}: connections × messages in
 * flight × message size, over TCP or a Unix domain socket), the echo latency probe, a UDP echo load
 * ({@code UdpEchoClient}: client sockets × datagrams in flight × datagram size), or an HTTP load ({@code wrk} with
 * that many connections).
 *
 * @param id          the name {@code -Dscenarios} takes
 * @param label       the name tables and charts show
 * @param connections connections, or for UDP client sockets
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
        HTTP
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
            new Scenario("http-256", "HTTP 256 conns", Kind.HTTP, 256, 1, 0));

    /** The server main this scenario runs. */
    String serverMainClass() {
        return switch (kind) {
            case HTTP -> "org.iouring4j.examples.HttpHelloServer";
            case UDP_ECHO -> "org.iouring4j.examples.UdpEchoServer";
            default -> "org.iouring4j.examples.EchoServer";
        };
    }

    /** What one unit of throughput is. */
    String unit() {
        return switch (kind) {
            case HTTP -> "req";
            case UDP_ECHO -> "pkt";
            default -> "msg";
        };
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
