package org.iouring4j.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What {@code /proc} says about a server process. */
final class Proc {
    private static final Path PROC = Path.of("/proc");
    /** Position of {@code utime} among the fields after the command name in {@code /proc/<pid>/stat}. */
    private static final int UTIME_AFTER_COMM = 11;
    private static final int STIME_AFTER_COMM = 12;
    private static final int CUTIME_AFTER_COMM = 13;
    private static final int CSTIME_AFTER_COMM = 14;

    private Proc() {
    }

    /**
     * User plus system CPU time of the whole process in clock ticks: every thread, the exited ones included,
     * and so also io_uring's kernel threads ({@code iou-wrk-*}, {@code iou-sqp-*}), which belong to the
     * process that owns the ring.
     */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.US_ASCII);
        // The command name may contain spaces and parentheses: the fields start after the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[UTIME_AFTER_COMM]) + Long.parseLong(fields[STIME_AFTER_COMM]);
    }

    /** Resident set size in KiB ({@code VmRSS} of {@code /proc/<pid>/status}). */
    static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"),
                StandardCharsets.US_ASCII)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    /**
     * This process's hard limit on open files ({@code Max open files} of {@code /proc/self/limits}): the JVMs
     * it starts may raise their own soft limit up to it (HotSpot does so at start), not beyond; -1 when unlimited.
     */
    static long maxOpenFiles() throws IOException {
        for (String line : Files.readAllLines(PROC.resolve("self").resolve("limits"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("Max open files")) {
                String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                return f[1].equals("unlimited") ? -1 : Long.parseLong(f[1]);
            }
        }
        throw new IOException("no 'Max open files' in /proc/self/limits");
    }

    /** Threads of the process that are io_uring kernel threads (async workers, SQPOLL), right now. */
    static int ioUringThreads(long pid) throws IOException {
        int count = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).startsWith("iou-")) {
                        count++;
                    }
                } catch (IOException e) {
                    // The thread exited between listing and reading: it is not there any more, as counted.
                }
            }
        }
        return count;
    }

    /** {@code sysconf(_SC_CLK_TCK)}, the unit of {@link #cpuTicks}; Linux uses 100 almost everywhere. */
    static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (getconf.waitFor(5, TimeUnit.SECONDS) && getconf.exitValue() == 0) {
                return Long.parseLong(out);
            }
        } catch (IOException | NumberFormatException e) {
            // No getconf: fall through to the Linux default.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 100;
    }

    /**
     * Clock ticks the whole machine has spent running tasks so far (every CPU: user, nice, system, and steal,
     * the time a hypervisor gave to someone else), from the first line of {@code /proc/stat}. Interrupt and
     * softirq time are left out: no process is charged for them, and the run's own loopback traffic makes some.
     */
    static long machineBusyTicks() throws IOException {
        String first = Files.readAllLines(PROC.resolve("stat"), StandardCharsets.US_ASCII).get(0);
        String[] f = first.trim().split("\\s+");
        // cpu user nice system idle iowait irq softirq steal ...
        return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[8]);
    }

    /**
     * CPU ticks of this process's children that have exited and been waited for ({@code cutime + cstime}):
     * how the runner learns what a short-lived tool such as wrk used, once it is gone.
     */
    static long reapedChildrenTicks() throws IOException {
        String stat = Files.readString(PROC.resolve("self").resolve("stat"), StandardCharsets.US_ASCII);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[CUTIME_AFTER_COMM]) + Long.parseLong(fields[CSTIME_AFTER_COMM]);
    }

    /** The CPU model, from {@code /proc/cpuinfo}, for the report's machine line. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(PROC.resolve("cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown CPU";
        }
        return "unknown CPU";
    }
}
