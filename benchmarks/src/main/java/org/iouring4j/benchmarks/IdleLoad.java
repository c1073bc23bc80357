package org.iouring4j.benchmarks;

import org.iouring4j.examples.IdleClient;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One round of the idle-connections scenario: {@code IdleClient} in its own JVM against a fresh {@code EchoServer}.
 * The client makes and closes its warmup connections, and waits; the runner lets the server settle, has it collect
 * its garbage and reads its memory (before); the client makes the idle connections, each echoed once, and waits
 * again; the runner lets the server settle, collects and reads again (after), and lets the client go.
 *
 * <p>The server's CPU is sampled over the connections' setup, and reported per connection; the memory goes into
 * a {@link Footprint}. GCs and heap figures come from the JDK's {@code jcmd}; without it there are neither.
 */
final class IdleLoad {
    private static final String CLIENT_MAIN = "org.iouring4j.examples.IdleClient";
    private static final Pattern CONNECTED =
            Pattern.compile(Pattern.quote(IdleClient.CONNECTED) + "(\\d+) in ([0-9.]+) s");
    /** Heap lines of {@code GC.heap_info}, whatever the collector ("def new generation total 1K, used 2K"). */
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");
    /** File descriptors a JVM needs besides the connections' (jars, event loops, a margin). */
    private static final int SPARE_FILES = 1_024;
    /** The whole round may take this long before the client is killed. */
    private static final long TIMEOUT_SECONDS = 600;
    private static final long JCMD_TIMEOUT_SECONDS = 60;
    /** The server is settled when its CPU advanced by at most this many ticks over {@link #SETTLE_STEP_MILLIS}. */
    private static final long SETTLED_TICKS = 1;
    private static final long SETTLE_STEP_MILLIS = 500;
    private static final long SETTLE_MAX_MILLIS = 10_000;
    private static final int TAIL_LINES = 10;

    private IdleLoad() {
    }

    /** Open files each side needs for the scenario's connections. */
    static long openFiles(Scenario scenario) {
        return scenario.connections() + (long) SPARE_FILES;
    }

    /** Runs the round; the server is fresh and this round its only use. */
    static Outcome run(Launcher launcher, Scenario scenario, ServerProcess server, String clientTransport, Path log,
                       long ticksPerSecond) throws IOException, InterruptedException {
        List<String> properties = List.of("-Dtransport=" + clientTransport, "-Dhost=127.0.0.1",
                "-Dport=" + server.port(), "-Dconnections=" + scenario.connections(),
                // As many warmup connections as idle ones, so that the JIT compiles during the warmup what it would
                // otherwise compile while the idle connections are made: its code, and the memory its compilers
                // take (which the C library keeps once freed), then land before the "before" figure instead of
                // being counted per connection. With a fifth as many, one server's figure ranged from 0.3 to
                // 2.1 KiB per connection over two rounds.
                "-Dwarmup=" + scenario.connections(), "-Dsize=" + scenario.size());
        Process client = launcher.start(Launcher.withOpenFiles(openFiles(scenario),
                launcher.clientJvm(CLIENT_MAIN, properties)));
        // The client waits for the runner, with a bound of its own; this guards against a hung JVM.
        CompletableFuture.delayedExecutor(TIMEOUT_SECONDS, TimeUnit.SECONDS).execute(client::destroyForcibly);
        long clientPid = client.pid();
        ServerWindow window = new ServerWindow(server.pid(), () -> Proc.cpuTicks(clientPid), ticksPerSecond);
        Path jcmd = launcher.jdkTool("jcmd");
        long rssBefore = -1;
        long heapBefore = -1;
        Footprint footprint = null;
        Matcher connected = null;
        Deque<String> tail = new ArrayDeque<>();
        boolean readToEnd = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
             OutputStream toClient = client.getOutputStream()) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write(line);
                out.newLine();
                tail.addLast(line);
                if (tail.size() > TAIL_LINES) {
                    tail.removeFirst();
                }
                Matcher m = CONNECTED.matcher(line);
                if (line.equals(IdleClient.WARMED_UP)) {
                    heapBefore = settle(launcher, jcmd, server.pid());
                    rssBefore = Proc.rssKiB(server.pid());
                    window.open();
                    toClient.write('\n');
                    toClient.flush();
                } else if (m.matches()) {
                    window.close();
                    connected = m;
                    long heapAfter = settle(launcher, jcmd, server.pid());
                    footprint = new Footprint(Integer.parseInt(connected.group(1)), rssBefore,
                            Proc.rssKiB(server.pid()), heapBefore, heapAfter);
                    // Ends the client's hold: it closes the connections and exits.
                    toClient.close();
                }
            }
            readToEnd = true;
        } finally {
            if (!readToEnd) {
                client.destroyForcibly();
            }
        }
        int exit = client.waitFor();
        if (exit != 0 || footprint == null) {
            throw new IOException("client exit status " + exit + ": " + String.join(" | ", tail)
                    + (server.isAlive() ? "" : "; the server died: " + server.tail()));
        }
        double seconds = Double.parseDouble(connected.group(2));
        Sample sample = window.sample(footprint.connections() / seconds, footprint.connections(), Double.NaN,
                Double.NaN, Double.NaN, Double.NaN);
        return new Outcome(sample, Double.NaN, window.ioUringThreads(), footprint);
    }

    /**
     * Waits until the server has stopped working (its CPU time no longer advancing: accepts, echoes, the JIT),
     * then has it run a full GC and returns its heap in use in KiB; -1 without {@code jcmd} or a figure from it.
     */
    private static long settle(Launcher launcher, Path jcmd, long pid)
            throws IOException, InterruptedException {
        long giveUpAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SETTLE_MAX_MILLIS);
        long ticks = Proc.cpuTicks(pid);
        while (System.nanoTime() < giveUpAt) {
            Thread.sleep(SETTLE_STEP_MILLIS);
            long now = Proc.cpuTicks(pid);
            if (now - ticks <= SETTLED_TICKS) {
                break;
            }
            ticks = now;
        }
        if (jcmd == null) {
            return -1;
        }
        jcmd(launcher, jcmd, pid, "GC.run");
        Matcher m = HEAP_USED.matcher(jcmd(launcher, jcmd, pid, "GC.heap_info"));
        long used = -1;
        while (m.find()) {
            used = Math.max(used, 0) + Long.parseLong(m.group(1));
        }
        return used;
    }

    /** Runs {@code jcmd pid command} on the client's core and returns its output. */
    private static String jcmd(Launcher launcher, Path jcmd, long pid, String command)
            throws IOException, InterruptedException {
        Process p = launcher.start(launcher.clientTool(List.of(jcmd.toString(), Long.toString(pid), command)));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(JCMD_TIMEOUT_SECONDS, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + command + " failed: " + out.trim());
        }
        return out;
    }
}
