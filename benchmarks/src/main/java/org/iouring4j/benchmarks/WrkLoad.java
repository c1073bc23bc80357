package org.iouring4j.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of {@code wrk} (one thread, keep-alive, GET of the scenario's path) against a running
 * {@code HttpHelloServer} or {@code StaticFileServer}: an unmeasured warmup run, then the measured one with the
 * server sampled just before it starts and just after it ends.
 */
final class WrkLoad {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
    private static final Pattern PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("(?m)^\\s+(50|99)%\\s+([0-9.]+)(us|ms|s|m)\\s*$");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final long SLACK_SECONDS = 30;
    /** When counting syscalls, counting starts this long after wrk and stops as long before it ends. */
    private static final double COUNT_MARGIN_SECONDS = 0.5;

    private WrkLoad() {
    }

    /**
     * Runs wrk and returns what it and the server sampling measured.
     *
     * @param syscalls counts the server's syscalls during the run when not null (a probe run)
     */
    static Outcome run(Launcher launcher, Scenario scenario, ServerProcess server, double warmup, double seconds,
                       SyscallCounter syscalls, Path log, long ticksPerSecond)
            throws IOException, InterruptedException {
        String url = "http://127.0.0.1:" + server.port() + scenario.httpPath();
        Files.deleteIfExists(log);
        long warmupSeconds = Math.round(warmup);
        if (warmupSeconds > 0) {
            finish(launcher.start(launcher.clientTool(command(scenario, url, warmupSeconds))), warmupSeconds, log);
        }
        long measuredSeconds = Math.max(1, Math.round(seconds));
        // wrk is gone by the time the window closes: its CPU time is read from the runner's reaped children.
        ServerWindow window = new ServerWindow(server.pid(), Proc::reapedChildrenTicks, ticksPerSecond);
        window.open();
        Process wrk = launcher.start(launcher.clientTool(command(scenario, url, measuredSeconds)));
        SyscallCounter.Counting counting = null;
        if (syscalls != null) {
            Thread.sleep((long) (COUNT_MARGIN_SECONDS * 1000));
            counting = syscalls.start(launcher, server.pid(), measuredSeconds - 2 * COUNT_MARGIN_SECONDS);
        }
        String out = finish(wrk, measuredSeconds, log);
        window.close();
        long syscallCount = counting == null ? -1 : counting.await();

        Matcher requests = REQUESTS.matcher(out);
        Matcher perSecond = PER_SECOND.matcher(out);
        if (!requests.find() || !perSecond.find()) {
            throw new IOException("no result in wrk's output: " + out.trim().replace('\n', ' ')
                    + (server.isAlive() ? "" : "; the server died: " + server.tail()));
        }
        checkErrors(out);
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        for (Matcher m = PERCENTILE.matcher(out); m.find(); ) {
            double micros = micros(m.group(2), m.group(3));
            if (m.group(1).equals("50")) {
                p50 = micros;
            } else {
                p99 = micros;
            }
        }
        double rate = Double.parseDouble(perSecond.group(1));
        Sample sample = window.sample(rate, Long.parseLong(requests.group(1)), p50, p99, Double.NaN, Double.NaN);
        double syscallsPerOp = counting == null ? Double.NaN : syscallCount / (rate * counting.seconds);
        return new Outcome(sample, syscallsPerOp, window.ioUringThreads(), null);
    }

    private static List<String> command(Scenario scenario, String url, long seconds) {
        return List.of("wrk", "-t1", "-c" + scenario.connections(), "-d" + seconds + "s", "--latency", url);
    }

    /** Waits for wrk, appends its output to the log, returns it. */
    private static String finish(Process wrk, long seconds, Path log) throws IOException, InterruptedException {
        String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!wrk.waitFor(seconds + SLACK_SECONDS, TimeUnit.SECONDS)) {
            wrk.destroyForcibly();
            throw new IOException("wrk did not finish");
        }
        Files.writeString(log, out, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (wrk.exitValue() != 0) {
            throw new IOException("wrk exit status " + wrk.exitValue() + ": " + out.trim().replace('\n', ' '));
        }
        return out;
    }

    /** A server that answered with errors did not serve the load: its throughput must not count. */
    private static void checkErrors(String out) throws IOException {
        Matcher errors = SOCKET_ERRORS.matcher(out);
        if (errors.find()) {
            throw new IOException("wrk saw socket errors: " + errors.group());
        }
        Matcher non2xx = NON_2XX.matcher(out);
        if (non2xx.find()) {
            throw new IOException("wrk got error responses: " + non2xx.group());
        }
    }

    private static double micros(String value, String unit) {
        double v = Double.parseDouble(value);
        switch (unit) {
            case "us":
                return v;
            case "ms":
                return v * 1e3;
            case "s":
                return v * 1e6;
            default:
                return v * 60e6;
        }
    }
}
