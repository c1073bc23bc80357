package org.iouring4j.transport;

import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.Probe;

/**
 * Whether this transport can run here, and why not when it cannot.
 *
 * <p>Beyond a working io_uring ({@link Probe#isAvailable()}), the transport relies on Linux 5.11+ behaviour:
 * timed waits without a timeout SQE ({@code IORING_FEAT_EXT_ARG}), no completion ever dropped
 * ({@code IORING_FEAT_NODROP}), socket ops that wait by internal poll rather than worker threads
 * ({@code IORING_FEAT_FAST_POLL}), and the opcodes its channels submit.
 */
public final class Uring {
    private static final int REQUIRED_FEATURES = IoUring.IORING_FEAT_EXT_ARG | IoUring.IORING_FEAT_NODROP
            | IoUring.IORING_FEAT_FAST_POLL | IoUring.IORING_FEAT_SUBMIT_STABLE;
    private static final int[] REQUIRED_OPS = {
        Opcode.NOP, Opcode.READ, Opcode.WRITEV, Opcode.RECV, Opcode.SEND, Opcode.ACCEPT, Opcode.CONNECT,
        Opcode.CLOSE, Opcode.SHUTDOWN, Opcode.ASYNC_CANCEL, Opcode.POLL_ADD,
    };
    /**
     * Whether the kernel has Linux 5.19's socket additions: multishot ACCEPT and {@code IORING_RECVSEND_POLL_FIRST}
     * (older kernels reject both with EINVAL). Neither has a feature bit; the SOCKET opcode came in the same
     * release, so its presence is the probe.
     */
    static final boolean LINUX_5_19_SOCKET_OPS = Probe.isAvailable() && Probe.system().isSupported(Opcode.SOCKET);
    /**
     * Classes only the error path uses, loaded up front: that path runs when the process is out of file
     * descriptors (EMFILE on accept), and loading a class from a class directory then fails for want of an fd,
     * turning a reportable accept error into a NoClassDefFoundError on the event loop.
     */
    private static final Class<?>[] ERROR_PATH_CLASSES = {
        Opcode.class, org.iouring4j.ring.Errno.class, org.iouring4j.ring.NativeIoException.class,
        java.net.ConnectException.class, java.net.NoRouteToHostException.class,
    };
    private static final Throwable UNAVAILABILITY_CAUSE = check();

    private Uring() {
    }

    private static Throwable check() {
        for (Class<?> type : ERROR_PATH_CLASSES) {
            initialize(type);
        }
        if (!Probe.isAvailable()) {
            return Probe.unavailabilityCause();
        }
        Probe probe = Probe.system();
        if (!probe.hasFeature(REQUIRED_FEATURES)) {
            return new UnsupportedOperationException("the kernel's io_uring lacks features this transport needs"
                    + " (EXT_ARG, NODROP, FAST_POLL, SUBMIT_STABLE: Linux 5.11 or later); it reports 0x"
                    + Integer.toHexString(probe.features()));
        }
        for (int op : REQUIRED_OPS) {
            if (!probe.isSupported(op)) {
                return new UnsupportedOperationException("the kernel's io_uring lacks opcode " + Opcode.name(op)
                        + " (Linux 5.11 or later needed)");
            }
        }
        return null;
    }

    private static void initialize(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("impossible: " + type + " is on the class path", e);
        }
    }

    /** Whether the transport can be used in this process. Never throws. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why the transport cannot be used here, in words a user can act on; {@code null} when it can. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    /** Throws {@link UnsatisfiedLinkError} (as Netty's native transports do) when unavailable. */
    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE != null) {
            throw (Error) new UnsatisfiedLinkError("io_uring transport unavailable: "
                    + UNAVAILABILITY_CAUSE.getMessage()).initCause(UNAVAILABILITY_CAUSE);
        }
    }
}
