package org.iouring4j.benchmarks;

import org.iouring4j.examples.Transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Side-by-side throughput of iouring4j, Netty NIO, Netty epoll and Netty's own (JNI) io_uring transport: the
 * same example servers ({@code EchoServer} over TCP and Unix sockets, {@code UdpEchoServer}, {@code HttpHelloServer};
 * one event-loop thread, pooled direct buffers) each in its own JVM, driven by the same load client
 * ({@code EchoClient} or {@code UdpEchoClient} in its own JVM on one transport for all; {@code wrk} for HTTP),
 * server and client pinned to different cores. NIO has no Unix-socket channel: the Unix scenario reports it as
 * not measured.
 *
 * <p>For each scenario all four servers start and get one unmeasured warmup load each, then the rounds run
 * interleaved (A B C D A B C D …), each
 * bounded in time with its own warmup; then one more short run per server counts its syscalls (so the tracing
 * never perturbs the measured rounds), and the servers stop. Server CPU (user+sys of the whole process, io_uring
 * kernel threads included) and RSS come from {@code /proc} at the edges of each measurement window.
 *
 * <p>Output: a Markdown table with medians, min–max and ratios against NIO and Netty's io_uring, the issue's
 * targets checked, and a PNG chart of the same, written to {@code -Dout} and the table also to stdout.
 *
 * <p>Run, from the repository root:
 * <pre>
 * mvn -B -q -DskipTests package
 * java -Dquick=true -cp benchmarks/target/benchmarks.jar org.iouring4j.benchmarks.TransportComparison
 * </pre>
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code -Dquick=true}: 2 rounds × 3 s (2 s warmup) per scenario, a few minutes in all; the default is the
 *       full mode, 5 rounds × 10 s (5 s warmup), about an hour</li>
 *   <li>{@code -Drounds}, {@code -Dseconds}, {@code -Dwarmup}, {@code -DprobeSeconds}, {@code -DserverWarmup}
 *       (one unmeasured load per fresh server before the rounds; quick 5 s, full 15 s): override the mode's</li>
 *   <li>{@code -Dscenarios=echo-16x16x256,echo-64x1x64,echo-4x64x4k,latency-1x1x64,unix-echo-16x16x256,
 *       udp-echo-64,udp-echo-1400,http-64,http-256}: a subset, in that order (these are the default); also, only
 *       when named, {@code idle-10k} (10,000 idle connections: the server's memory per connection, each round on a
 *       fresh server), {@code file-download-1g} (2 parallel downloads of a 1 GiB {@code DefaultFileRegion} from
 *       {@code FileServer}, a file the run writes to the temporary directory and deletes: MiB/s, server CPU per
 *       MiB) and {@code static-file-64k} ({@code wrk} GETs of a 64 KiB file from {@code StaticFileServer}, best
 *       with {@code -Dtransports=iouring4j,epoll-blocking,nio}),
 *       e.g. {@code -Dscenarios=idle-10k,file-download-1g}</li>
 *   <li>{@code -Dtransports=iouring4j,nio,epoll,netty-iouring}: the servers to compare (the default); also
 *       {@code iouring4j-recv}, iouring4j with a RECV per read instead of its default multishot receives into a
 *       provided-buffer ring, {@code iouring4j-readv}, with READV scatter reads, and
 *       {@code iouring4j-whole-buffers}, whose multishot receives take a whole provided buffer each (no
 *       {@code IOU_PBUF_RING_INC}), each its own row, and for the static-file scenario {@code epoll-blocking}
 *       (blocking reads on the loop) and {@code iouring4j-splice} ({@link ServerSetup})</li>
 *   <li>{@code -DclientTransport=epoll}: the load client's transport, the same for every server</li>
 *   <li>{@code -Dout=target/transport-comparison}: where the table, chart and logs go</li>
 *   <li>{@code -Dpin=true}, {@code -DserverCpu=0}, {@code -DclientCpu=1}: taskset placement</li>
 *   <li>{@code -Dsyscalls=true}: count syscalls with perf (or strace) in the extra runs</li>
 *   <li>{@code -DserverJvmArgs=...}, {@code -DclientJvmArgs=...}: JVM options, space-separated</li>
 *   <li>{@code -DidleWaitSeconds=120}: how long to wait, before each scenario, for other processes to leave
 *       the CPUs alone; past that the scenario runs anyway and the report says its numbers are noisy</li>
 *   <li>{@code -Dattempts=3}: how often a round is run when other processes keep competing for the CPUs
 *       during it (1: never again)</li>
 * </ul>
 *
 * <p>HTTP needs {@code wrk} ({@code apt-get install -y wrk} on Debian); without it the HTTP scenarios are
 * skipped with a note.
 */
public final class TransportComparison {
    private static final String DEFAULT_JVM_ARGS =
            "-Xms512m -Xmx512m -XX:+UseSerialGC -Dio.netty.leakDetection.level=disabled"
                    // JNA's native access: JDK 22+ warns without it, JDK 17 accepts it silently.
                    + " --enable-native-access=ALL-UNNAMED";
    private static final long IDLE_SAMPLE_MILLIS = 1000;
    /** Busier than this (percent of one core, all CPUs together) before a scenario, and the run waits. */
    private static final double IDLE_BUSY_PERCENT = 10;
    /**
     * A round during which processes other than the server, the client and the runner used more than this
     * (percent of one core) is disturbed, and run again.
     */
    private static final double DISTURBED_PERCENT = 15;
    /** Between attempts at a disturbed round, wait at most this long for quiet: a busy machine stays busy. */
    private static final double RETRY_WAIT_SECONDS = 30;

    private final Settings settings;
    private final Launcher launcher;
    private final SyscallCounter syscalls;
    private final long ticksPerSecond = Proc.clockTicksPerSecond();
    private final Results results = new Results();
    private final Path logs;
    private final List<String> busyWarnings = new ArrayList<>();

    private TransportComparison(Settings settings, Launcher launcher, SyscallCounter syscalls) {
        this.settings = settings;
        this.launcher = launcher;
        this.syscalls = syscalls;
        this.logs = settings.out.resolve("logs");
    }

    public static void main(String[] args) throws Exception {
        // XChart draws with AWT, which must not look for a display.
        System.setProperty("java.awt.headless", "true");
        Settings settings = Settings.fromSystemProperties();
        boolean pin = settings.pin && Runtime.getRuntime().availableProcessors() >= 2 && Launcher.onPath("taskset");
        Launcher launcher = new Launcher(ProcessHandle.current().info().command().orElse("java"),
                System.getProperty("java.class.path"), split(settings.serverJvmArgs), split(settings.clientJvmArgs),
                pin ? settings.serverCpu : null, pin ? settings.clientCpu : null);
        Runtime.getRuntime().addShutdownHook(new Thread(launcher::killAll, "kill-children"));
        SyscallCounter syscalls = settings.countSyscalls ? SyscallCounter.detect()
                : SyscallCounter.disabled("-Dsyscalls=false");
        Files.createDirectories(settings.out.resolve("logs"));
        new TransportComparison(settings, launcher, syscalls).run();
    }

    private void run() throws IOException, InterruptedException {
        long start = System.nanoTime();
        LocalDateTime startedAt = LocalDateTime.now();
        System.out.printf(Locale.ROOT, "TransportComparison: %s; %s; output to %s%n", settings.describe(),
                launcher.placement(), settings.out.toAbsolutePath());
        for (Scenario scenario : settings.scenarios) {
            if (scenario.usesWrk() && !Launcher.onPath("wrk")) {
                String why = "wrk is not installed (on Debian: apt-get update && apt-get install -y wrk)";
                System.out.println("SKIPPING " + scenario.label() + ": " + why);
                results.skip(scenario, why);
                continue;
            }
            runScenario(scenario);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String report = ComparisonReport.render(results, settings.scenarios, settings.transports,
                header(startedAt, took), notes());
        Path markdown = settings.out.resolve("transport-comparison.md");
        Path png = settings.out.resolve("transport-comparison.png");
        Files.writeString(markdown, report, StandardCharsets.UTF_8);
        ComparisonChart.write(results, settings.scenarios, settings.transports,
                settings.quick ? "quick mode" : "full mode", png);
        System.out.println();
        System.out.println(report);
        System.out.println("Wrote " + markdown + " and " + png + " (logs in " + logs + ")");
    }

    /**
     * Waits, up to {@code waitSeconds}, until the machine is quiet: anything else running on these cores
     * (a build, a test suite) would be measured as part of whichever server it happens to slow down.
     */
    private void awaitQuietMachine(Scenario scenario, double waitSeconds, boolean warnIfBusy)
            throws IOException, InterruptedException {
        long giveUpAt = System.nanoTime() + (long) (waitSeconds * 1e9);
        double busy;
        while (true) {
            long before = Proc.machineBusyTicks();
            Thread.sleep(IDLE_SAMPLE_MILLIS);
            busy = 100.0 * (Proc.machineBusyTicks() - before) / ticksPerSecond / (IDLE_SAMPLE_MILLIS / 1000.0);
            if (busy <= IDLE_BUSY_PERCENT || System.nanoTime() >= giveUpAt) {
                break;
            }
            System.out.printf(Locale.ROOT, "[%s] waiting for a quiet machine: %.0f%% of a core busy elsewhere%n",
                    scenario.id(), busy);
        }
        if (warnIfBusy && busy > IDLE_BUSY_PERCENT) {
            String warning = String.format(Locale.ROOT, "%s started while other processes kept %.0f%% of a core"
                    + " busy: its numbers are noisy", scenario.label(), busy);
            System.out.println("WARNING: " + warning);
            busyWarnings.add(warning);
        }
    }

    private void runScenario(Scenario scenario) throws IOException, InterruptedException {
        awaitQuietMachine(scenario, settings.idleWaitSeconds, true);
        if (scenario.kind() == Scenario.Kind.IDLE) {
            runIdleScenario(scenario);
            return;
        }
        Path file = null;
        List<String> serverOptions = List.of();
        if (scenario.kind() == Scenario.Kind.DOWNLOAD) {
            file = DownloadFile.create(scenario.size());
            serverOptions = List.of("-Dfile=" + file);
        } else if (scenario.kind() == Scenario.Kind.STATIC_FILE) {
            file = DownloadFile.create(scenario.size());
            serverOptions = List.of("-Ddir=" + file.getParent());
        }
        Map<ServerSetup, ServerProcess> servers = new LinkedHashMap<>();
        try {
            for (ServerSetup transport : settings.transports) {
                String unsupported = scenario.unsupportedBy(transport.transport());
                if (unsupported != null) {
                    results.cell(scenario, transport).unavailable = unsupported;
                    System.out.println("[" + scenario.id() + "] " + transport.id() + ": " + unsupported);
                    continue;
                }
                try {
                    servers.put(transport, ServerProcess.start(launcher, scenario, transport, serverOptions,
                            logs.resolve(scenario.id() + "-" + transport.id() + "-server.log")));
                } catch (IOException e) {
                    results.cell(scenario, transport).unavailable = e.getMessage();
                    System.out.println("[" + scenario.id() + "] " + e.getMessage());
                }
            }
            for (Map.Entry<ServerSetup, ServerProcess> e : servers.entrySet()) {
                warmUp(scenario, e.getKey(), e.getValue());
            }
            for (int round = 1; round <= settings.rounds; round++) {
                for (Map.Entry<ServerSetup, ServerProcess> e : servers.entrySet()) {
                    measure(scenario, e.getKey(), e.getValue(), round);
                }
            }
            if (syscalls.enabled()) {
                for (Map.Entry<ServerSetup, ServerProcess> e : servers.entrySet()) {
                    countSyscalls(scenario, e.getKey(), e.getValue());
                }
            }
        } finally {
            for (Map.Entry<ServerSetup, ServerProcess> e : servers.entrySet()) {
                results.cell(scenario, e.getKey()).loopCounters = e.getValue().stop();
            }
            if (file != null) {
                DownloadFile.delete(file);
            }
        }
    }

    /**
     * The idle connections: every round of every server on a fresh server JVM, with its heap touched in full at
     * start ({@code -XX:+AlwaysPreTouch}) so that its resident set grows only with what the connections take outside
     * the heap. Fresh, because a server kept across rounds would hold in its buffer pools what the previous round's
     * connections took, and its later rounds would show less than its first. There is no separate warmup (the
     * client's warmup connections serve as one) and no syscall count: an idle connection makes none.
     */
    private void runIdleScenario(Scenario scenario) throws InterruptedException {
        for (int round = 1; round <= settings.rounds; round++) {
            for (ServerSetup transport : settings.transports) {
                String name = scenario.id() + "-" + transport.id() + "-round" + round;
                String tag = String.format(Locale.ROOT, "[%s] round %d/%d %-15s", scenario.id(), round,
                        settings.rounds, transport.id());
                Results.Cell cell = results.cell(scenario, transport);
                ServerProcess server = null;
                try {
                    server = ServerProcess.start(launcher, scenario, transport, List.of("-XX:+AlwaysPreTouch"),
                            logs.resolve(name + "-server.log"));
                    Outcome outcome = IdleLoad.run(launcher, scenario, server, settings.clientTransport,
                            logs.resolve(name + ".log"), ticksPerSecond);
                    Sample s = outcome.sample();
                    Footprint f = outcome.footprint();
                    cell.samples.add(s);
                    cell.footprints.add(f);
                    cell.ioUringThreads = Math.max(cell.ioUringThreads, outcome.ioUringThreads());
                    if (s.foreignCpuPercent() > DISTURBED_PERCENT) {
                        cell.disturbed.add(String.format(Locale.ROOT, "round %d (%.0f%%)", round,
                                s.foreignCpuPercent()));
                    }
                    System.out.printf(Locale.ROOT, "%s %d conns in %.1f s, server CPU %.1f us/conn, RSS %d -> %d"
                                    + " MiB (%.2f KiB/conn), heap %.2f KiB/conn, others %.0f%%%n", tag,
                            f.connections(), f.connections() / s.perSecond(), s.cpuMicrosPerOp(),
                            f.rssBeforeKiB() / 1024, f.rssAfterKiB() / 1024, f.rssPerConnectionKiB(),
                            f.heapPerConnectionKiB(), s.foreignCpuPercent());
                } catch (IOException e) {
                    cell.failures.add("round " + round + ": " + e.getMessage());
                    System.out.println(tag + " FAILED: " + e.getMessage());
                } finally {
                    if (server != null) {
                        cell.loopCounters = server.stop();
                    }
                }
            }
        }
    }

    /**
     * Runs one round of one server. A round during which other processes used the CPUs is run again, after the
     * machine quietens, up to {@code -Dattempts} times; the last attempt counts whatever happens, with a note.
     */
    private void measure(Scenario scenario, ServerSetup transport, ServerProcess server, int round)
            throws IOException, InterruptedException {
        String tag = String.format(Locale.ROOT, "[%s] round %d/%d %-15s", scenario.id(), round, settings.rounds,
                transport.id());
        Results.Cell cell = results.cell(scenario, transport);
        for (int attempt = 1; attempt <= settings.attempts; attempt++) {
            Outcome outcome;
            try {
                outcome = load(scenario, server, settings.warmup, settings.seconds, null,
                        logs.resolve(scenario.id() + "-" + transport.id() + "-round" + round + ".log"));
            } catch (IOException e) {
                cell.failures.add("round " + round + ": " + e.getMessage());
                System.out.println(tag + " FAILED: " + e.getMessage());
                return;
            }
            Sample s = outcome.sample();
            boolean disturbed = s.foreignCpuPercent() > DISTURBED_PERCENT;
            System.out.printf(Locale.ROOT, "%s %s %s/s,%s server CPU %.2f us/%s (%.0f%%),"
                            + " client CPU %.0f%%, RSS %d MiB, others %.0f%%%s%s%n", tag,
                    ComparisonReport.rate(s.perSecond()), scenario.unit(), Double.isNaN(s.p50Micros()) ? ""
                            : String.format(Locale.ROOT, " p50 %.0f us, p99 %.0f us,", s.p50Micros(), s.p99Micros()),
                    s.cpuMicrosPerOp(), scenario.unit(), s.cpuPercent(), s.clientCpuPercent(), s.rssKiB() / 1024,
                    s.foreignCpuPercent(),
                    Double.isNaN(s.lossPercent()) ? "" : String.format(Locale.ROOT, ", lost %.3f%%", s.lossPercent()),
                    disturbed && attempt < settings.attempts ? ": disturbed, running it again" : "");
            if (!disturbed || attempt == settings.attempts) {
                if (disturbed) {
                    cell.disturbed.add(String.format(Locale.ROOT, "round %d (%.0f%%)", round,
                            s.foreignCpuPercent()));
                }
                cell.samples.add(s);
                cell.ioUringThreads = Math.max(cell.ioUringThreads, outcome.ioUringThreads());
                return;
            }
            awaitQuietMachine(scenario, Math.min(settings.idleWaitSeconds, RETRY_WAIT_SECONDS), false);
        }
    }

    /**
     * One unmeasured run per server before the rounds: a fresh server JVM shares its core with its own JIT
     * compilers, and without this the first round would measure compilation more than the transport.
     */
    private void warmUp(Scenario scenario, ServerSetup transport, ServerProcess server) throws InterruptedException {
        try {
            load(scenario, server, settings.serverWarmup, 1, null,
                    logs.resolve(scenario.id() + "-" + transport.id() + "-warmup.log"));
            System.out.printf(Locale.ROOT, "[%s] warmed up %s for %s s%n", scenario.id(), transport.id(),
                    Settings.trim(settings.serverWarmup));
        } catch (IOException e) {
            results.cell(scenario, transport).failures.add("warmup: " + e.getMessage());
            System.out.println("[" + scenario.id() + "] warmup of " + transport.id() + " FAILED: " + e.getMessage());
        }
    }

    private void countSyscalls(Scenario scenario, ServerSetup transport, ServerProcess server)
            throws InterruptedException {
        String tag = String.format(Locale.ROOT, "[%s] syscalls %-15s", scenario.id(), transport.id());
        Results.Cell cell = results.cell(scenario, transport);
        // Echo probes need a moment for the client's own warmup (the server is warm from the rounds); wrk's
        // counting skips half a second at each end of its run by itself.
        boolean http = scenario.usesWrk();
        try {
            Outcome outcome = load(scenario, server, http ? 0 : 1, settings.probeSeconds + (http ? 1 : 0.3),
                    syscalls, logs.resolve(scenario.id() + "-" + transport.id() + "-syscalls.log"));
            cell.syscallsPerOp = outcome.syscallsPerOp();
            System.out.printf(Locale.ROOT, "%s %.3f per %s%n", tag, cell.syscallsPerOp, scenario.unit());
        } catch (IOException e) {
            cell.failures.add("syscall count: " + e.getMessage());
            System.out.println(tag + " FAILED: " + e.getMessage());
        }
    }

    private Outcome load(Scenario scenario, ServerProcess server, double warmup, double seconds,
                         SyscallCounter counter, Path log) throws IOException, InterruptedException {
        if (!server.isAlive()) {
            throw new IOException("the server is not running any more: " + server.tail());
        }
        return scenario.usesWrk()
                ? WrkLoad.run(launcher, scenario, server, warmup, seconds, counter, log, ticksPerSecond)
                : EchoLoad.run(launcher, scenario, server, settings.clientTransport, warmup, seconds, counter, log,
                ticksPerSecond);
    }

    private List<String> header(LocalDateTime startedAt, Duration took) {
        String command = "java " + String.join(" ", ProcessHandle.current().info().arguments().orElse(new String[0]));
        return List.of(
                "Machine: " + Proc.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, Linux "
                        + System.getProperty("os.version") + ", " + System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.version") + "; " + launcher.placement() + ".",
                "Command: `" + command + "` (from the repository root, after `mvn -B -q -DskipTests package`).",
                String.format(Locale.ROOT, "Run: %s, started %s, took %d min %02d s.", settings.describe(),
                        startedAt.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")), took.toMinutes(),
                        took.toSecondsPart()),
                "Load: EchoClient (UdpEchoClient for UDP) on " + settings.clientTransport + " (1 event-loop thread,"
                        + " its own JVM, the same for every server); HTTP: wrk -t1, keep-alive, GET /. Servers: one"
                        + " event-loop thread, pooled direct buffers. JVM options, server: `" + settings.serverJvmArgs
                        + "`, client: `" + settings.clientJvmArgs + "`.");
    }

    private List<String> notes() {
        List<String> notes = new ArrayList<>(List.of(
                "Throughput, p50/p99/p99.9: the client's view; medians over the rounds, min–max of the round"
                        + " medians' throughput. Echo latency is per message round trip (System.nanoTime, write to"
                        + " the read completing it); HTTP latency is wrk's (which has no p99.9).",
                "Server CPU: user+sys clock ticks of the whole server process from /proc/<pid>/stat (all its"
                        + " threads, exited ones and io_uring's iou-wrk/iou-sqp kernel threads included) over the"
                        + " client's measurement window, per message, datagram or request; % is of one core.",
                "UDP: throughput and CPU per datagram count the datagrams echoed; one not echoed within 100 ms is"
                        + " lost (and replaced, so the client's window never stalls); a loss above zero is listed"
                        + " below. Each UDP server asks for a 1 MiB receive buffer, the same on every transport.",
                "Client CPU: the load client's (EchoClient JVM or wrk) user+sys time as a share of its one core."
                        + " Near 100% the client, not the server, limits the throughput: the server-side columns then"
                        + " say more about a transport's efficiency than the throughput does.",
                "RSS: VmRSS of /proc/<pid>/status at the end of each window, the largest over the rounds. The heap"
                        + " is not pre-touched, so RSS also grows with the young-generation pages a server's"
                        + " garbage has touched so far: allocation rate shows up in it as well as footprint.",
                "Syscalls: " + syscalls.note() + ". An io_uring operation is not a syscall: on the io_uring"
                        + " transports this mostly counts io_uring_enter.",
                "A round during which processes other than the server, the client and the runner used more than "
                        + (int) DISTURBED_PERCENT + "% of a core (machine-wide task time from /proc/stat, less"
                        + " theirs) was run again once the machine was quiet, up to " + settings.attempts
                        + " attempts in all.",
                busyWarnings.isEmpty() ? "The machine was quiet (under " + (int) IDLE_BUSY_PERCENT + "% of a core"
                        + " busy elsewhere) before every scenario."
                        : "Machine not quiet: " + String.join("; ", busyWarnings) + "."));
        if (settings.scenarios.stream().anyMatch(s -> s.kind() == Scenario.Kind.IDLE)) {
            notes.add("Idle connections: IdleClient (on " + settings.clientTransport + ") makes as many warmup"
                    + " connections as idle ones to a fresh EchoServer (heap fixed and touched in full at start:"
                    + " -XX:+AlwaysPreTouch) and closes them; the runner waits until the server's CPU time stops"
                    + " advancing, has it run a full GC (jcmd GC.run) and reads VmRSS and the heap in use"
                    + " (jcmd GC.heap_info): before. Then the client makes the idle connections (128 being set up at a"
                    + " time), each echoing a few bytes once, and the same is read again: after. RSS per connection ="
                    + " (after − before) / connections: memory outside the Java heap (native buffers and the"
                    + " transport's native memory, thread stacks, code), since the heap is resident in full either"
                    + " way; heap per connection is the growth of the heap in use. Throughput: connections set up"
                    + " per second; server CPU µs/op: per connection set up (accept and echo).");
        }
        if (settings.scenarios.stream().anyMatch(s -> s.kind() == Scenario.Kind.DOWNLOAD)) {
            notes.add("File download: FileServer writes one DefaultFileRegion of the whole file per connection and"
                    + " closes it; DownloadClient (on " + settings.clientTransport + ") keeps that many downloads"
                    + " running, counts the bytes arriving in its window and checks that every finished download"
                    + " was whole (those still running at the window's end are stopped). Throughput in MiB/s,"
                    + " server CPU µs/op and syscalls/op per MiB. The file stays in the page cache throughout.");
        }
        if (settings.scenarios.stream().anyMatch(s -> s.kind() == Scenario.Kind.STATIC_FILE)) {
            notes.add("Static file: wrk (-t1, keep-alive) GETs one file from StaticFileServer, which opens, reads"
                    + " and closes it for every request: on iouring4j through the loop's ring (OPENAT; a 64 KiB READ"
                    + " with a one-byte READ past it, which finds the end, so no STATX; CLOSE), on iouring4j-splice"
                    + " as a DefaultFileRegion (SPLICE), on nio, epoll and netty-iouring as a DefaultFileRegion"
                    + " (sendfile or splice), on epoll-blocking by blocking ChunkedNioFile reads on the loop. The file"
                    + " stays in the page cache throughout.");
        }
        return notes;
    }

    private static List<String> split(String args) {
        String trimmed = args.trim();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }

    /** The run's configuration, from system properties. */
    private static final class Settings {
        final boolean quick;
        final int rounds;
        final double seconds;
        final double warmup;
        final double probeSeconds;
        final double serverWarmup;
        final List<Scenario> scenarios;
        final List<ServerSetup> transports;
        final String clientTransport;
        final Path out;
        final boolean pin;
        final String serverCpu;
        final String clientCpu;
        final boolean countSyscalls;
        final String serverJvmArgs;
        final String clientJvmArgs;
        final double idleWaitSeconds;
        final int attempts;

        private Settings() {
            quick = Boolean.getBoolean("quick");
            rounds = Integer.parseInt(System.getProperty("rounds", quick ? "2" : "5"));
            seconds = Double.parseDouble(System.getProperty("seconds", quick ? "3" : "10"));
            warmup = Double.parseDouble(System.getProperty("warmup", quick ? "2" : "5"));
            probeSeconds = Double.parseDouble(System.getProperty("probeSeconds", quick ? "2" : "5"));
            serverWarmup = Double.parseDouble(System.getProperty("serverWarmup", quick ? "5" : "15"));
            if (rounds < 1 || seconds < 1 || seconds > 3600 || warmup < 0 || warmup > 600 || probeSeconds < 1
                    || probeSeconds > 600 || serverWarmup < 0 || serverWarmup > 600) {
                throw new IllegalArgumentException("need rounds >= 1, 1 <= seconds <= 3600, 0 <= warmup <= 600,"
                        + " 1 <= probeSeconds <= 600, 0 <= serverWarmup <= 600");
            }
            String scenarioNames = System.getProperty("scenarios");
            scenarios = scenarioNames == null || scenarioNames.isBlank() ? Scenario.DEFAULT
                    : pick(scenarioNames, Scenario.ALL, Scenario::id);
            String transportNames = System.getProperty("transports");
            transports = transportNames == null || transportNames.isBlank() ? ServerSetup.DEFAULT
                    : pick(transportNames, ServerSetup.ALL, ServerSetup::id);
            clientTransport = Transport.of(System.getProperty("clientTransport", Transport.EPOLL.id())).id();
            out = Path.of(System.getProperty("out", "target/transport-comparison"));
            pin = Boolean.parseBoolean(System.getProperty("pin", "true"));
            serverCpu = System.getProperty("serverCpu", "0");
            clientCpu = System.getProperty("clientCpu", "1");
            countSyscalls = Boolean.parseBoolean(System.getProperty("syscalls", "true"));
            serverJvmArgs = System.getProperty("serverJvmArgs", DEFAULT_JVM_ARGS);
            clientJvmArgs = System.getProperty("clientJvmArgs", DEFAULT_JVM_ARGS);
            idleWaitSeconds = Double.parseDouble(System.getProperty("idleWaitSeconds", "120"));
            attempts = Integer.parseInt(System.getProperty("attempts", "3"));
            if (attempts < 1) {
                throw new IllegalArgumentException("-Dattempts must be at least 1: " + attempts);
            }
        }

        static Settings fromSystemProperties() {
            return new Settings();
        }

        /** The named subset of {@code all}, in {@code all}'s order. */
        private static <T> List<T> pick(String names, List<T> all, java.util.function.Function<T, String> id) {
            List<String> wanted = new ArrayList<>();
            for (String name : names.split(",")) {
                wanted.add(name.trim());
            }
            List<T> picked = new ArrayList<>();
            for (T item : all) {
                if (wanted.remove(id.apply(item))) {
                    picked.add(item);
                }
            }
            if (!wanted.isEmpty()) {
                List<String> known = new ArrayList<>();
                all.forEach(item -> known.add(id.apply(item)));
                throw new IllegalArgumentException("unknown " + wanted + "; known: " + known);
            }
            return picked;
        }

        String describe() {
            return String.format(Locale.ROOT, "%s mode, each server warmed up for %s s, then %d round%s × %s s"
                            + " measured after %s s client warmup per run, rounds interleaved across transports",
                    quick ? "quick" : "full", trim(serverWarmup), rounds, rounds == 1 ? "" : "s", trim(seconds),
                    trim(warmup));
        }

        static String trim(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }
}
