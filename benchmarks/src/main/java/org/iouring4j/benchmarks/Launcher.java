package org.iouring4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the command lines of the processes a comparison starts (server JVMs, client JVMs, wrk, perf), pinned
 * to their cores with {@code taskset}, and keeps track of them so that an interrupted run leaves nothing behind.
 */
final class Launcher {
    private final String java;
    private final String classpath;
    private final List<String> serverJvmArgs;
    private final List<String> clientJvmArgs;
    /** The CPU list for {@code taskset -c}, or null when not pinning. */
    private final String serverCpu;
    private final String clientCpu;
    private final Set<Process> live = ConcurrentHashMap.newKeySet();

    Launcher(String java, String classpath, List<String> serverJvmArgs, List<String> clientJvmArgs, String serverCpu,
             String clientCpu) {
        this.java = java;
        this.classpath = classpath;
        this.serverJvmArgs = List.copyOf(serverJvmArgs);
        this.clientJvmArgs = List.copyOf(clientJvmArgs);
        this.serverCpu = serverCpu;
        this.clientCpu = clientCpu;
    }

    /** A server JVM on the server's core. */
    List<String> serverJvm(String mainClass, List<String> properties) {
        return pinned(serverCpu, jvm(serverJvmArgs, mainClass, properties));
    }

    /** A client JVM on the client's core. */
    List<String> clientJvm(String mainClass, List<String> properties) {
        return pinned(clientCpu, jvm(clientJvmArgs, mainClass, properties));
    }

    /** Any other client-side tool (wrk, perf, strace), kept off the server's core. */
    List<String> clientTool(List<String> command) {
        return pinned(clientCpu, command);
    }

    private List<String> jvm(List<String> jvmArgs, String mainClass, List<String> properties) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(jvmArgs);
        command.addAll(properties);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        return command;
    }

    private static List<String> pinned(String cpu, List<String> command) {
        if (cpu == null) {
            return command;
        }
        List<String> pinned = new ArrayList<>(List.of("taskset", "-c", cpu));
        pinned.addAll(command);
        return pinned;
    }

    /**
     * {@code command} with room for {@code files} open files: as it is when this process's hard limit allows that
     * many (a JVM raises its soft limit to the hard one by itself), else run through {@code bash}'s
     * {@code ulimit -n}, which only root may raise that far; otherwise the command fails to start, saying so.
     */
    static List<String> withOpenFiles(long files, List<String> command) throws IOException {
        long hard = Proc.maxOpenFiles();
        if (hard < 0 || hard >= files) {
            return command;
        }
        List<String> raised = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + files + " && exec \"$@\"",
                "bash"));
        raised.addAll(command);
        return raised;
    }

    /** The JDK tool {@code name} (jcmd, ...) beside the java that runs the servers, or null when it has none. */
    Path jdkTool(String name) {
        Path tool = Path.of(java).resolveSibling(name);
        return Files.isExecutable(tool) ? tool : null;
    }

    /** Starts {@code command} with stderr merged into stdout, tracked until it exits. */
    Process start(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        live.add(process);
        process.onExit().thenRun(() -> live.remove(process));
        return process;
    }

    /** Kills whatever this launcher started and is still running: for the JVM's shutdown hook. */
    void killAll() {
        for (Process process : live) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Whether {@code program} is an executable on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Arrays.stream(path.split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir.isEmpty() ? "." : dir, program)));
    }

    /** How the processes are placed, for the report. */
    String placement() {
        return serverCpu == null
                ? "not pinned (taskset missing or fewer than 2 CPUs)"
                : "server pinned to CPU " + serverCpu + ", client to CPU " + clientCpu + " (taskset)";
    }
}
