package org.iouring4j.ring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns an {@code io_uring_setup} errno into advice a user can act on. */
final class SetupHints {
    private static final Path IO_URING_DISABLED = Path.of("/proc/sys/kernel/io_uring_disabled");

    private SetupHints() {
    }

    static String forSetup(int errno, RingConfig config) {
        switch (errno) {
            case Errno.EPERM:
                return forEperm(readSysctl());
            case Errno.ENOSYS:
                return "this kernel has no io_uring (it needs Linux 5.11 or later built with CONFIG_IO_URING=y)";
            case Errno.ENOMEM:
                return "the ring could not be allocated; kernels before 5.12 charge rings to RLIMIT_MEMLOCK, so"
                        + " raise it (ulimit -l, or LimitMEMLOCK= in systemd) or use fewer/smaller rings";
            case Errno.EINVAL:
                return "the kernel rejected " + config + ": a flag it does not know (SINGLE_ISSUER needs 6.0,"
                        + " DEFER_TASKRUN 6.1), a bad flag combination, entries out of range (1..32768,"
                        + " CQ entries >= SQ entries), or an SQ thread CPU that is not online";
            case Errno.EMFILE:
            case Errno.ENFILE:
                return "out of file descriptors: raise ulimit -n";
            default:
                return null;
        }
    }

    /** EPERM has three usual sources; the sysctl tells two of them apart from the third. */
    static String forEperm(String ioUringDisabled) {
        if ("2".equals(ioUringDisabled)) {
            return "io_uring is disabled system-wide by sysctl kernel.io_uring_disabled=2;"
                    + " an administrator can allow it with: sysctl -w kernel.io_uring_disabled=0";
        }
        if ("1".equals(ioUringDisabled)) {
            return "io_uring is restricted by sysctl kernel.io_uring_disabled=1 to the group in"
                    + " kernel.io_uring_group; add this user to that group or set kernel.io_uring_disabled=0";
        }
        return "a seccomp filter or security module denies io_uring_setup; container runtimes' default seccomp"
                + " profiles (Docker, containerd, Kubernetes RuntimeDefault) often do: run with a profile that"
                + " allows io_uring_setup, io_uring_enter and io_uring_register";
    }

    private static String readSysctl() {
        try {
            return new String(Files.readAllBytes(IO_URING_DISABLED), StandardCharsets.US_ASCII).trim();
        } catch (IOException | SecurityException e) {
            return null; // older kernels have no such sysctl
        }
    }
}
