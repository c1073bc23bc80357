package org.iouring4j.benchmarks;

import java.util.List;

/**
 * One load shape of the {@link TransportComparison}: an echo load ({@code EchoClient}: connections × messages in
 * flight × message size), the echo latency probe, or an HTTP load ({@code wrk} with that many connections).
 *
 * @param id    the name {@code -Dscenarios} takes
 * @param label the name tables and charts show
 */
record Scenario(String id, String label, Kind kind, int connections, int inflight, int size) {
    enum Kind {
        /** Throughput of {@code EchoServer} under {@code EchoClient}. */
        ECHO,
        /** {@code EchoClient} with one message in flight on one connection: round-trip latency. */
        LATENCY,
        /** Throughput of {@code HttpHelloServer} under {@code wrk}. */
        HTTP
    }

    static final List<Scenario> ALL = List.of(
            new Scenario("echo-16x16x256", "echo 16×16×256 B", Kind.ECHO, 16, 16, 256),
            new Scenario("echo-64x1x64", "echo 64×1×64 B", Kind.ECHO, 64, 1, 64),
            new Scenario("echo-4x64x4k", "echo 4×64×4 KiB", Kind.ECHO, 4, 64, 4096),
            new Scenario("latency-1x1x64", "latency 1×1×64 B", Kind.LATENCY, 1, 1, 64),
            new Scenario("http-64", "HTTP 64 conns", Kind.HTTP, 64, 1, 0),
            new Scenario("http-256", "HTTP 256 conns", Kind.HTTP, 256, 1, 0));

    /** The server main this scenario runs. */
    String serverMainClass() {
        return kind == Kind.HTTP ? "org.iouring4j.examples.HttpHelloServer" : "org.iouring4j.examples.EchoServer";
    }

    /** What one unit of throughput is. */
    String unit() {
        return kind == Kind.HTTP ? "req" : "msg";
    }
}
