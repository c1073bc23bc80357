package org.iouring4j.benchmarks;


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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One example server ({@code EchoServer}, {@code UdpEchoServer}, {@code HttpHelloServer} or {@code FileServer}) in
 * its own JVM,
 * listening on a free loopback port, or on a Unix socket in the temporary directory, with one event-loop thread.
 * Its output goes to a log file; the runner reads the port and pid from its first line and, when stopping it,
 * the iouring4j loop counters from its last.
 */
final class ServerProcess {
    /** "NAME listening on HOST:PORT (transport ..., pid N)", or "on unix:PATH (...": the port, then the pid. */
    private static final Pattern LISTENING =
            Pattern.compile(" listening on (?:unix:.+|[^ ]+:(\\d+)) \\(transport .*pid (\\d+)\\)");
    private static final String COUNTERS = "iouring4j loop counters: ";
    private static final int TAIL_LINES = 20;
    private static final long START_TIMEOUT_SECONDS = 30;
    private static final long STOP_TIMEOUT_SECONDS = 10;

    private final Process process;
    private final Thread pump;
    private final long pid;
    private final int port;
    private final String unixPath;
    private final Deque<String> tail;

    private ServerProcess(Process process, Thread pump, long pid, int port, String unixPath, Deque<String> tail) {
        this.process = process;
        this.pump = pump;
        this.pid = pid;
        this.port = port;
        this.unixPath = unixPath;
        this.tail = tail;
    }

    /**
     * Starts the server and waits until it listens; fails with the end of its output when it cannot.
     *
     * @param options the scenario's own JVM options and system properties for the server
     */
    static ServerProcess start(Launcher launcher, Scenario scenario, ServerSetup setup, List<String> options,
                               Path log) throws IOException, InterruptedException {
        List<String> properties = new ArrayList<>(List.of("-Dtransport=" + setup.transport().id(), "-Dthreads=1"));
        properties.addAll(setup.properties());
        properties.addAll(options);
        String unixPath = null;
        if (scenario.kind() == Scenario.Kind.UNIX_ECHO) {
            // Short and in the temporary directory: a socket path has at most 107 bytes. The server removes a
            // leftover of a killed run itself.
            unixPath = Path.of(System.getProperty("java.io.tmpdir"), "iouring4j-" + ProcessHandle.current().pid()
                    + "-" + setup.id() + ".sock").toString();
            properties.add("-Dunix=" + unixPath);
        } else {
            properties.add("-Dhost=127.0.0.1");
            properties.add("-Dport=0");
        }
        List<String> command = launcher.serverJvm(scenario.serverMainClass(), properties);
        if (scenario.kind() == Scenario.Kind.IDLE) {
            command = Launcher.withOpenFiles(IdleLoad.openFiles(scenario), command);
        }
        Process process = launcher.start(command);
        CompletableFuture<Matcher> listening = new CompletableFuture<>();
        Deque<String> tail = new ArrayDeque<>();
        Thread pump = new Thread(() -> pump(process, log, tail, listening), "server-output-" + setup.id());
        pump.setDaemon(true);
        pump.start();
        Matcher m;
        try {
            m = listening.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            pump.join(TimeUnit.SECONDS.toMillis(STOP_TIMEOUT_SECONDS));
            throw new IOException(setup.id() + " server did not start: " + lastLine(tail) + " (log: " + log + ")");
        }
        int port = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
        return new ServerProcess(process, pump, Long.parseLong(m.group(2)), port, unixPath, tail);
    }

    /** Copies the server's output to its log, keeping the last lines and watching for the listening line. */
    private static void pump(Process process, Path log, Deque<String> tail, CompletableFuture<Matcher> listening) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                out.write(line);
                out.newLine();
                out.flush();
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                Matcher m = LISTENING.matcher(line);
                if (!listening.isDone() && m.find()) {
                    listening.complete(m);
                }
            }
        } catch (IOException e) {
            listening.completeExceptionally(e);
        } finally {
            listening.completeExceptionally(new IOException("server exited before listening"));
        }
    }

    private static String lastLine(Deque<String> tail) {
        synchronized (tail) {
            return tail.isEmpty() ? "no output" : String.join(" | ", tail);
        }
    }

    long pid() {
        return pid;
    }

    /** The TCP or UDP port it listens on; 0 on a Unix socket. */
    int port() {
        return port;
    }

    /** The Unix socket it listens on, or null when it listens on a port. */
    String unixPath() {
        return unixPath;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the server printed, for failure messages. */
    String tail() {
        return lastLine(tail);
    }

    /**
     * Stops the server with SIGTERM, as Ctrl-C would, so its shutdown hook prints the loop counters; kills it
     * if it does not exit in time. Returns those counters ({@code key=value ...}), or null when the server is
     * not on iouring4j or did not print them.
     */
    String stop() throws InterruptedException {
        // Through the handle: Process.destroy() would also close our end of the server's output before its
        // shutdown hook has printed the counters.
        process.toHandle().destroy();
        if (!process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        pump.join(TimeUnit.SECONDS.toMillis(STOP_TIMEOUT_SECONDS));
        synchronized (tail) {
            for (String line : tail) {
                if (line.startsWith(COUNTERS)) {
                    return line.substring(COUNTERS.length());
                }
            }
        }
        return null;
    }
}
