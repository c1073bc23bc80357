package org.iouring4j.examples;

import com.sun.jna.Native;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.resolver.AddressResolver;
import io.netty.util.ReferenceCounted;
import org.iouring4j.ring.Ring;
import org.iouring4j.transport.UringIoHandler;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The two library jars as named modules, seen from an application on the module path: the ring's internal package
 * ({@code org.iouring4j.ring.internal}: raw syscalls, ABI layouts) is out of its reach at compile time and by
 * reflection, while the transport runs (a loopback echo after a file region).
 *
 * <p>The application is {@code src/test/resources/module-user}, compiled here against the libraries' module path and
 * run in a fresh JVM (the current {@code java}). The libraries are found where this test's class path has them: the
 * packaged jars under {@code mvn verify}, the modules' {@code target/classes} (exploded modules, with their
 * {@code module-info.class}) under {@code mvn test}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ModuleBoundaryTest {
    private static final String RING = "org.iouring4j.ring";
    private static final String RING_FILE = "org.iouring4j.ring.file";
    private static final String TRANSPORT = "org.iouring4j.transport";
    private static final String USER_MAIN = "iouring4j.moduleuser/org.iouring4j.moduleuser.ModuleUser";
    /** The application's own bytes: a 100,000-byte file region, then its 64 KiB payload echoed. */
    private static final int ECHOED_BYTES = 100_000 + 64 * 1024;
    /** What the transport logs once when it copies file regions because Netty's fields are closed to it. */
    private static final String REGIONS_COPIED = "DefaultFileRegions are copied through a buffer, not spliced";
    private static final String OPENS_NETTY_CHANNEL = "io.netty.transport/io.netty.channel=" + TRANSPORT;

    @TempDir
    static Path work;
    /** The libraries' module path: the transport and every module it needs at run time, and an SLF4J binding. */
    private static String libraries;
    /** The application, compiled. */
    private static Path application;
    /** The application's output, run without any flag. */
    private static String plainRun;

    @BeforeAll
    static void compileAndRunTheApplication() throws Exception {
        List<Class<?>> oneClassPerModule = List.of(Ring.class, UringIoHandler.class, Native.class,
                ReferenceCounted.class, ByteBuf.class, Channel.class, AddressResolver.class, DomainSocketAddress.class,
                LoggerFactory.class, Class.forName("org.slf4j.simple.SimpleLogger"));
        Set<String> paths = new LinkedHashSet<>();
        for (Class<?> type : oneClassPerModule) {
            paths.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        libraries = String.join(File.pathSeparator, paths);

        application = work.resolve("application");
        DiagnosticCollector<JavaFileObject> diagnostics = compile(application, "ModuleUser.java");
        assertTrue(diagnostics.getDiagnostics().stream().noneMatch(d -> d.getKind() == Diagnostic.Kind.ERROR),
                () -> "the application does not compile: " + diagnostics.getDiagnostics());

        plainRun = run("plain");
    }

    @Test
    void theLibrariesExportOnlyTheirPublicPackages() {
        ModuleFinder finder = ModuleFinder.of(Arrays.stream(libraries.split(File.pathSeparator)).map(Path::of)
                .toArray(Path[]::new));
        ModuleDescriptor ring = finder.find(RING).orElseThrow().descriptor();
        ModuleDescriptor transport = finder.find(TRANSPORT).orElseThrow().descriptor();

        assertEquals(Set.of(RING, RING_FILE), unqualifiedExports(ring));
        assertTrue(ring.packages().contains(RING + ".internal"), ring.packages()::toString);
        assertFalse(ring.isOpen());
        assertEquals(Set.of(), ring.opens());

        assertEquals(Set.of(TRANSPORT), unqualifiedExports(transport));
        assertFalse(transport.isOpen());
        assertTrue(transport.requires().stream().anyMatch(r -> r.name().equals(RING)
                && r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)), transport::toString);
    }

    @Test
    void applicationCodeDoesNotCompileAgainstTheInternalPackage() throws Exception {
        DiagnosticCollector<JavaFileObject> diagnostics = compile(work.resolve("intruder"), "Intruder.java");
        assertTrue(diagnostics.getDiagnostics().stream().anyMatch(d -> d.getKind() == Diagnostic.Kind.ERROR
                        && d.getCode().equals("compiler.err.package.not.visible")
                        && d.getMessage(null).contains(RING + ".internal")),
                () -> "Intruder.java compiled, or failed for another reason: " + diagnostics.getDiagnostics());
    }

    @Test
    void applicationCodeCannotReachTheInternalPackageByReflection() {
        assertTrue(plainRun.contains("exports " + RING + " [" + RING + ", " + RING_FILE + "]\n"), plainRun);
        assertTrue(plainRun.contains("exports " + TRANSPORT + " [" + TRANSPORT + "]\n"), plainRun);
        assertTrue(plainRun.contains("loaded " + RING + ".internal.Syscalls in " + RING + "\n"), plainRun);
        assertFalse(plainRun.contains("ALLOWED"), plainRun);
        assertTrue(plainRun.contains("denied Method.invoke: java.lang.IllegalAccessException\n"), plainRun);
        assertTrue(plainRun.contains("denied setAccessible: java.lang.reflect.InaccessibleObjectException\n"),
                plainRun);
        assertTrue(plainRun.contains("denied Lookup.findStatic: java.lang.IllegalAccessException\n"), plainRun);
        assertTrue(plainRun.contains("denied privateLookupIn: java.lang.IllegalAccessException\n"), plainRun);
    }

    /** Without flags, file regions are copied (Netty's module does not open its fields), and said once. */
    @Test
    void theTransportRunsOnTheModulePath() {
        assumeUringAvailable(plainRun);
        assertTrue(plainRun.contains("echo ok " + ECHOED_BYTES + " bytes on UringSocketChannel\n"), plainRun);
        assertTrue(plainRun.contains(REGIONS_COPIED) && plainRun.contains("--add-opens " + OPENS_NETTY_CHANNEL),
                plainRun);
        assertFalse(plainRun.contains("LEAK:"), plainRun);
    }

    /** The flag the transport names (and the README documents) is the one that turns splicing back on. */
    @Test
    void theDocumentedOpensLetFileRegionsSplice() throws Exception {
        String opened = run("opened", "--add-opens", OPENS_NETTY_CHANNEL);
        assumeUringAvailable(opened);
        assertTrue(opened.contains("echo ok " + ECHOED_BYTES + " bytes on UringSocketChannel\n"), opened);
        assertFalse(opened.contains(REGIONS_COPIED), opened);
        assertFalse(opened.contains("LEAK:"), opened);
    }

    private static Set<String> unqualifiedExports(ModuleDescriptor module) {
        assertTrue(module.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified),
                () -> "qualified exports: " + module.exports());
        return module.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    }

    /** Compiles the application's module-info with one of its classes into {@code output}. */
    private static DiagnosticCollector<JavaFileObject> compile(Path output, String className) throws Exception {
        Path sources = sources();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjects(sources.resolve("module-info.java"),
                    sources.resolve("org/iouring4j/moduleuser").resolve(className));
            List<String> options = List.of("-d", output.toString(), "--module-path", libraries);
            javac.getTask(null, files, diagnostics, options, null, units).call();
        }
        return diagnostics;
    }

    private static Path sources() throws URISyntaxException {
        return Path.of(ModuleBoundaryTest.class.getResource("/module-user/module-info.java").toURI()).getParent();
    }

    /** Runs the application in a fresh JVM, bounded in time; its output (both streams) as one string. */
    private static String run(String name, String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // JNA loads its JNI stub: Java 24+ warns unless native access is granted to the module that does so.
        command.add("--enable-native-access=com.sun.jna");
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("--module-path", application + File.pathSeparator + libraries, "-m", USER_MAIN));
        Path log = work.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            fail("the application did not finish in 30 s: " + Files.readString(log));
        }
        String output = Files.readString(log);
        assertEquals(0, process.exitValue(), () -> String.join(" ", command) + "\n" + output);
        return output;
    }

    private static void assumeUringAvailable(String output) {
        if (!output.contains("\nunavailable ")) {
            return;
        }
        if (Boolean.getBoolean("iouring4j.requireUring")) {
            fail("io_uring is required (-Diouring4j.requireUring=true) but unavailable: " + output);
        }
        Assumptions.abort("io_uring unavailable: " + output);
    }
}
