package org.iouring4j.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Counts the system calls a server process makes over a few seconds, for "syscalls per message".
 *
 * <p>{@code perf stat -e raw_syscalls:sys_enter} when perf may read that tracepoint: the kernel counts each
 * syscall entry of every thread of the process at a small, uniform cost. Otherwise {@code strace -c -f}, which
 * stops the server at every syscall and so slows it many times over (the count per message stays meaningful,
 * the batching it reflects less so). Either way the runner counts in a separate run from the measured ones, so
 * that the tracing never touches the throughput numbers. Note that io_uring operations are not syscalls: on
 * the io_uring transports this counts the {@code io_uring_enter} calls and whatever else the loop makes.
 */
final class SyscallCounter {
    private static final String TRACEPOINT = "raw_syscalls:sys_enter";
    private static final long SLACK_SECONDS = 15;

    private enum Tool { PERF, STRACE, NONE }

    private final Tool tool;
    private final String note;

    private SyscallCounter(Tool tool, String note) {
        this.tool = tool;
        this.note = note;
    }

    /** Finds the best tool this machine offers. */
    static SyscallCounter detect() throws InterruptedException {
        if (works(List.of("perf", "stat", "-x", ",", "-e", TRACEPOINT, "--", "true"))) {
            return new SyscallCounter(Tool.PERF, "perf stat -e " + TRACEPOINT + " on the server pid, in a separate"
                    + " short run");
        }
        if (works(List.of("strace", "-V"))) {
            return new SyscallCounter(Tool.STRACE, "strace -c -f on the server pid, in a separate short run"
                    + " (perf with tracepoint access was not available; strace slows the server, which batches"
                    + " more as a result, so these counts flatter the batching transports)");
        }
        return disabled("neither perf (with access to the " + TRACEPOINT + " tracepoint) nor strace is installed");
    }

    static SyscallCounter disabled(String why) {
        return new SyscallCounter(Tool.NONE, "syscalls not counted: " + why);
    }

    private static boolean works(List<String> command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    boolean enabled() {
        return tool != Tool.NONE;
    }

    /** How syscalls were counted, or why not, for the report. */
    String note() {
        return note;
    }

    /** Starts counting the syscalls of {@code pid} for {@code seconds}; returns at once. */
    Counting start(Launcher launcher, long pid, double seconds) throws IOException {
        String duration = String.format(Locale.ROOT, "%.2f", seconds);
        List<String> command = tool == Tool.PERF
                ? List.of("perf", "stat", "-x", ",", "-e", TRACEPOINT, "-p", Long.toString(pid), "--", "sleep", duration)
                : List.of("timeout", "-s", "INT", duration, "strace", "-c", "-f", "-q", "-p", Long.toString(pid));
        return new Counting(launcher.start(launcher.clientTool(command)), seconds);
    }

    /** One counting in progress. */
    final class Counting {
        private final Process process;
        final double seconds;

        private Counting(Process process, double seconds) {
            this.process = process;
            this.seconds = seconds;
        }

        /** Waits for the count and returns it. */
        long await() throws IOException, InterruptedException {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor((long) seconds + SLACK_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("the syscall counter did not finish");
            }
            for (String line : out.split("\n")) {
                String[] f = line.trim().split(tool == Tool.PERF ? "," : "\\s+");
                if (tool == Tool.PERF && f.length > 2 && f[2].equals(TRACEPOINT) && f[0].matches("\\d+")) {
                    return Long.parseLong(f[0]);
                }
                // strace -c's summary ends with "100.00 seconds usecs/call calls [errors] total".
                if (tool == Tool.STRACE && f.length >= 5 && f[f.length - 1].equals("total")) {
                    return Long.parseLong(f[3]);
                }
            }
            throw new IOException("no syscall count in the counter's output: " + out.trim());
        }
    }
}
