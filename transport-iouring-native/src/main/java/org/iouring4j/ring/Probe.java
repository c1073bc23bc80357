package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.iouring4j.ring.internal.Syscalls;

/**
 * What the running kernel's io_uring offers: the {@code IORING_FEAT_*} bits and the supported opcodes
 * ({@code IORING_REGISTER_PROBE}), and whether io_uring can be used here at all.
 *
 * <p>{@link #isAvailable()} never throws and never crashes the JVM: it loads JNA, sets up a tiny ring, probes
 * it and closes it once, and remembers the answer. When io_uring cannot be used,
 * {@link #unavailabilityCause()} says why in words a user can act on.
 *
 * <p>Setting the system property {@code iouring4j.forceUnavailable=true} makes io_uring look unavailable
 * (to test fallback paths).
 */
public final class Probe {
    private static final int PROBE_OPS = 256;

    private final int features;
    private final int lastOp;
    private final long[] supported = new long[PROBE_OPS / Long.SIZE];

    private Probe(int features, int lastOp) {
        this.features = features;
        this.lastOp = lastOp;
    }

    static Probe of(Ring ring) throws NativeIoException {
        int size = Abi.ProbeLayout.HEADER_SIZE + PROBE_OPS * Abi.ProbeLayout.OP_SIZE;
        try (NativeMemory memory = NativeMemory.allocate(size)) {
            ring.registrar().register("IORING_REGISTER_PROBE", Abi.Register.REGISTER_PROBE, memory.address(),
                    PROBE_OPS);
            int lastOp = memory.getByte(Abi.ProbeLayout.LAST_OP) & 0xFF;
            int opsLen = memory.getByte(Abi.ProbeLayout.OPS_LEN) & 0xFF;
            Probe probe = new Probe(ring.features(), lastOp);
            for (int i = 0; i < opsLen; i++) {
                int op = Abi.ProbeLayout.OPS + i * Abi.ProbeLayout.OP_SIZE;
                int flags = memory.getShort(op + Abi.ProbeLayout.OP_FLAGS);
                if ((flags & Abi.ProbeLayout.OP_SUPPORTED) != 0) {
                    int opcode = memory.getByte(op + Abi.ProbeLayout.OP_OP) & 0xFF;
                    probe.supported[opcode >>> 6] |= 1L << opcode;
                }
            }
            return probe;
        }
    }

    /** Whether the kernel supports {@code opcode} (see {@link Opcode}). */
    public boolean isSupported(int opcode) {
        return opcode >= 0 && opcode < PROBE_OPS && (supported[opcode >>> 6] & (1L << opcode)) != 0;
    }

    /** The highest opcode the kernel knows. */
    public int lastOp() {
        return lastOp;
    }

    /** The {@code IORING_FEAT_*} bits. */
    public int features() {
        return features;
    }

    /** Whether every bit of {@code feature} ({@code IoUring.IORING_FEAT_*}) is reported. */
    public boolean hasFeature(int feature) {
        return (features & feature) == feature;
    }

    @Override
    public String toString() {
        StringBuilder ops = new StringBuilder();
        for (int op = 0; op <= lastOp; op++) {
            if (isSupported(op)) {
                ops.append(ops.length() == 0 ? "" : ",").append(Opcode.name(op));
            }
        }
        return "Probe[features=0x" + Integer.toHexString(features) + ", lastOp=" + lastOp + ", ops=" + ops + "]";
    }

    /** Whether io_uring can be used in this process. Never throws. */
    public static boolean isAvailable() {
        return Holder.PROBE != null;
    }

    /** Why io_uring cannot be used here, or {@code null} when it can. */
    public static Throwable unavailabilityCause() {
        return Holder.CAUSE;
    }

    /**
     * The probe of this machine's kernel.
     *
     * @throws UnsupportedOperationException when io_uring is unavailable, with the cause attached
     */
    public static Probe system() {
        if (Holder.PROBE == null) {
            throw new UnsupportedOperationException("io_uring is unavailable: " + Holder.CAUSE.getMessage(),
                    Holder.CAUSE);
        }
        return Holder.PROBE;
    }

    /**
     * Why this process's data model rules the library out, or {@code null} if it is 64-bit (LP64). Every address
     * and kernel {@code long} travels as a Java {@code long}, {@code syscall} is bound with an all-{@code long}
     * prototype, and iovec, msghdr and io_uring struct layouts are those of a 64-bit process: in a 32-bit JVM
     * they would be silently wrong, so it is refused before the first syscall that depends on them.
     */
    static String dataModelProblem(int pointerSize, int longSize, String arch) {
        if (pointerSize == Long.BYTES && longSize == Long.BYTES) {
            return null;
        }
        return "64-bit JVM required: this JVM (os.arch=" + arch + ") has " + pointerSize
                + "-byte pointers and " + longSize + "-byte C longs; run a 64-bit JDK";
    }

    /** The one-time availability check, run when first asked (class initialisation is thread-safe). */
    private static final class Holder {
        static final Probe PROBE;
        static final Throwable CAUSE;

        static {
            Probe probe = null;
            Throwable cause = null;
            try {
                probe = probeSystem();
            } catch (Throwable t) {
                cause = t;
            }
            PROBE = probe;
            CAUSE = cause;
        }

        private static Probe probeSystem() throws NativeIoException {
            if (Boolean.getBoolean("iouring4j.forceUnavailable")) {
                throw new UnsupportedOperationException(
                        "io_uring forced unavailable by system property iouring4j.forceUnavailable=true");
            }
            String os = System.getProperty("os.name", "");
            if (!os.toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
                throw new UnsupportedOperationException("io_uring exists only on Linux, not on " + os);
            }
            try {
                Syscalls.ensureLinked();
            } catch (LinkageError e) {
                throw new UnsupportedOperationException("JNA cannot load its native library on this platform ("
                        + System.getProperty("os.arch") + "): " + e.getMessage(), e);
            }
            int[] sizes = Syscalls.pointerAndLongSize();
            String dataModelProblem = dataModelProblem(sizes[0], sizes[1], System.getProperty("os.arch"));
            if (dataModelProblem != null) {
                throw new UnsupportedOperationException(dataModelProblem);
            }
            try (Ring ring = Ring.open(RingConfig.builder().entries(2).registerRingFd(false).build())) {
                return ring.probe();
            }
        }
    }
}
