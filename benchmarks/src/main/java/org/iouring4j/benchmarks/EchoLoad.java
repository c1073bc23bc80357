package org.iouring4j.benchmarks;

import org.iouring4j.examples.EchoClient;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@code EchoClient} (or {@code UdpEchoClient}, or {@code DownloadClient}) in its own JVM against a
 * running {@code EchoServer} (or {@code UdpEchoServer}, or {@code FileServer}). The client announces its measurement
 * window on stdout; the server is sampled at both edges, so warmup and drain never count.
 */
final class EchoLoad {
    private static final String CLIENT_MAIN = "org.iouring4j.examples.EchoClient";
    private static final String UDP_CLIENT_MAIN = "org.iouring4j.examples.UdpEchoClient";
    private static final String DOWNLOAD_CLIENT_MAIN = "org.iouring4j.examples.DownloadClient";
    private static final String RESULT = "result: ";
    /** How much longer than its own bounds the client may take before it is killed. */
    private static final long SLACK_SECONDS = 60;
    /** Syscall counting ends this much before the window does, so it never covers the drain. */
    private static final double COUNT_MARGIN_SECONDS = 0.3;
    private static final int TAIL_LINES = 10;

    private EchoLoad() {
    }

    /**
     * Runs the client and returns what it and the server sampling measured.
     *
     * @param syscalls counts the server's syscalls during the window when not null (a probe run, whose
     *                 throughput is then not used: the counting perturbs it)
     */
    static Outcome run(Launcher launcher, Scenario scenario, ServerProcess server, String clientTransport,
                       double warmup, double seconds, SyscallCounter syscalls, Path log, long ticksPerSecond)
            throws IOException, InterruptedException {
        Process client = launcher.start(clientCommand(launcher, scenario, server, clientTransport, warmup, seconds));
        // The client bounds itself; this only guards against a hung JVM blocking the whole comparison.
        CompletableFuture.delayedExecutor((long) (warmup + seconds) + SLACK_SECONDS, TimeUnit.SECONDS)
                .execute(client::destroyForcibly);
        long clientPid = client.pid();
        ServerWindow window = new ServerWindow(server.pid(), () -> Proc.cpuTicks(clientPid), ticksPerSecond);
        SyscallCounter.Counting counting = null;
        Map<String, String> result = null;
        Deque<String> tail = new ArrayDeque<>();
        boolean readToEnd = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write(line);
                out.newLine();
                tail.addLast(line);
                if (tail.size() > TAIL_LINES) {
                    tail.removeFirst();
                }
                if (line.equals(EchoClient.MEASUREMENT_STARTED)) {
                    window.open();
                    if (syscalls != null) {
                        counting = syscalls.start(launcher, server.pid(), seconds - COUNT_MARGIN_SECONDS);
                    }
                } else if (line.equals(EchoClient.MEASUREMENT_ENDED)) {
                    window.close();
                } else if (line.startsWith(RESULT)) {
                    result = parseResult(line.substring(RESULT.length()));
                }
            }
            readToEnd = true;
        } finally {
            if (!readToEnd) {
                client.destroyForcibly();
            }
        }
        int exit = client.waitFor();
        long syscallCount = counting == null ? -1 : counting.await();
        if (exit != 0 || result == null || !window.isClosed()) {
            throw new IOException("client exit status " + exit + ": " + String.join(" | ", tail)
                    + (server.isAlive() ? "" : "; the server died: " + server.tail()));
        }
        Sample sample;
        double perSecond;
        if (scenario.kind() == Scenario.Kind.DOWNLOAD) {
            // Throughput in MiB/s, server CPU per MiB; a download has no per-message latency.
            perSecond = Double.parseDouble(result.get("mib_per_s"));
            sample = window.sample(perSecond, Double.parseDouble(result.get("mib")), Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN);
        } else {
            perSecond = Double.parseDouble(result.get("msg_per_s"));
            sample = window.sample(perSecond, Long.parseLong(result.get("messages")),
                    Double.parseDouble(result.get("p50_us")), Double.parseDouble(result.get("p99_us")),
                    Double.parseDouble(result.get("p999_us")),
                    result.containsKey("loss_pct") ? Double.parseDouble(result.get("loss_pct")) : Double.NaN);
        }
        double syscallsPerOp = counting == null ? Double.NaN : syscallCount / (perSecond * counting.seconds);
        return new Outcome(sample, syscallsPerOp, window.ioUringThreads(), null);
    }

    private static List<String> clientCommand(Launcher launcher, Scenario scenario, ServerProcess server,
                                              String clientTransport, double warmup, double seconds) {
        List<String> properties = new ArrayList<>(List.of("-Dtransport=" + clientTransport, "-Dwarmup=" + warmup,
                "-Dseconds=" + seconds));
        String main;
        switch (scenario.kind()) {
            case DOWNLOAD:
                main = DOWNLOAD_CLIENT_MAIN;
                properties.addAll(List.of("-Dparallel=" + scenario.connections(), "-Dbytes=" + scenario.size()));
                break;
            case UDP_ECHO:
                main = UDP_CLIENT_MAIN;
                properties.addAll(List.of("-Dclients=" + scenario.connections(), "-Dinflight=" + scenario.inflight(),
                        "-Dsize=" + scenario.size(), "-Dthreads=1"));
                break;
            default:
                main = CLIENT_MAIN;
                properties.addAll(List.of("-Dconnections=" + scenario.connections(),
                        "-Dinflight=" + scenario.inflight(), "-Dsize=" + scenario.size(), "-Dthreads=1"));
                break;
        }
        if (server.unixPath() != null) {
            properties.add("-Dunix=" + server.unixPath());
        } else {
            properties.add("-Dhost=127.0.0.1");
            properties.add("-Dport=" + server.port());
        }
        return launcher.clientJvm(main, properties);
    }

    private static Map<String, String> parseResult(String pairs) {
        Map<String, String> map = new HashMap<>();
        for (String pair : pairs.trim().split("\\s+")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                map.put(pair.substring(0, eq).toLowerCase(Locale.ROOT), pair.substring(eq + 1));
            }
        }
        return map;
    }
}
