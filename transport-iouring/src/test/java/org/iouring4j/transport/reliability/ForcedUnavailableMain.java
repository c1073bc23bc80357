package org.iouring4j.transport.reliability;

import org.iouring4j.ring.NativeMemory;
import org.iouring4j.transport.Uring;
import org.iouring4j.transport.UringIoHandler;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link KernelEdgeCasesTest} with {@code -Diouring4j.forceUnavailable=true}: prints what
 * a user would see (availability, cause, what creating a factory does) and what the process holds afterwards
 * (io_uring fds, native memory), one {@code key=value} per line.
 */
final class ForcedUnavailableMain {
    private ForcedUnavailableMain() {
    }

    public static void main(String[] args) throws IOException {
        System.out.println("available=" + Uring.isAvailable());
        Throwable cause = Uring.unavailabilityCause();
        System.out.println("cause=" + (cause == null ? "null" : cause.getClass().getName() + ": " + cause.getMessage()));
        try {
            UringIoHandler.newFactory();
            System.out.println("newFactory=created");
        } catch (Throwable t) {
            System.out.println("newFactory=" + t.getClass().getName() + ": " + t.getMessage());
        }
        int rings = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().contains("io_uring")) {
                        rings++;
                    }
                } catch (IOException closed) {
                    // the listing's own fd
                }
            }
        }
        System.out.println("ioUringFds=" + rings);
        System.out.println("nativeBytes=" + NativeMemory.liveBytes());
    }
}
