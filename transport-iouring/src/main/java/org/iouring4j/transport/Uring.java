package org.iouring4j.transport;

import io.netty.util.internal.SystemPropertyUtil;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.KernelFeatures;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.Probe;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.RingConfig;

/**
 * Whether this transport can run here, why not when it cannot, and which optional kernel features it uses.
 *
 * <p>The floor is Linux 5.11, and the availability check tests exactly what the transport needs from it: the
 * ring features {@code IORING_FEAT_NODROP} and {@code SUBMIT_STABLE} (5.5), {@code FAST_POLL} (5.7) and
 * {@code EXT_ARG} (5.11, timed waits without a timeout SQE); the opcodes the channels and the loop submit; and a
 * ring set up disabled with its own CQ size, then enabled ({@code IORING_SETUP_R_DISABLED}, 5.10), as each event
 * loop sets up its own. What is missing is named in {@link #unavailabilityCause()}.
 *
 * <p>Everything newer is optional, found by {@link KernelFeatures} and used when present; each has a fallback and
 * a system property that turns it off ({@code false}), so the fallback can be run on a kernel that has the
 * feature: {@code iouring4j.multishotAccept}, {@code iouring4j.pollFirst}, {@code iouring4j.sockNonEmpty},
 * {@code iouring4j.cancelAny}, {@code iouring4j.registerRingFd}, {@code iouring4j.submitAll},
 * {@code iouring4j.coopTaskrun}, {@code iouring4j.bufferRing}, {@code iouring4j.bufferRingIncremental},
 * {@code iouring4j.sendZc}, {@code iouring4j.splice}
 * (and per event loop {@link UringIoHandlerConfig#singleIssuer()} and {@link UringIoHandlerConfig#deferTaskrun()}).
 *
 * <p>Each feature has two questions, as Netty's {@code IoUring} has them: {@code isXxxSupported()}, whether the
 * kernel offers it, and {@code isXxxEnabled()}, whether the transport uses it (offered, and its switch not off).
 * Both are decided once, when this class is first used.
 */
public final class Uring {
    private static final int[] REQUIRED_FEATURES = {
        IoUring.IORING_FEAT_NODROP, IoUring.IORING_FEAT_SUBMIT_STABLE, IoUring.IORING_FEAT_FAST_POLL,
        IoUring.IORING_FEAT_EXT_ARG,
    };
    private static final String[] REQUIRED_FEATURE_NAMES = {
        "IORING_FEAT_NODROP (Linux 5.5)", "IORING_FEAT_SUBMIT_STABLE (Linux 5.5)", "IORING_FEAT_FAST_POLL (Linux 5.7)",
        "IORING_FEAT_EXT_ARG (Linux 5.11)",
    };
    /** The opcodes the transport submits, and no others: the eventfd READ, then the channels' ops. */
    private static final int[] REQUIRED_OPS = {
        Opcode.READ, Opcode.RECV, Opcode.READV, Opcode.SEND, Opcode.WRITEV, Opcode.RECVMSG, Opcode.SENDMSG,
        Opcode.ACCEPT, Opcode.CONNECT, Opcode.POLL_ADD, Opcode.ASYNC_CANCEL,
    };
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
    private static final KernelFeatures KERNEL = UNAVAILABILITY_CAUSE == null ? KernelFeatures.system() : null;

    /** Multishot ACCEPT (5.19): one SQE accepts every connection while auto-read is on; else one per accept. */
    static final boolean MULTISHOT_ACCEPT = enabled("multishotAccept", isMultishotAcceptSupported());
    /** {@code IORING_RECVSEND_POLL_FIRST} (5.19): a read of a socket known to be empty arms its poll at once. */
    static final boolean POLL_FIRST = enabled("pollFirst", isPollFirstSupported());
    /** {@code IORING_CQE_F_SOCK_NONEMPTY} (5.19): a RECV says whether data is left; else a full buffer hints it. */
    static final boolean SOCK_NONEMPTY = enabled("sockNonEmpty", isSockNonEmptySupported());
    /**
     * {@code IORING_ASYNC_CANCEL_ANY} (5.19): a loop shutting down cancels whatever its handles left in the ring;
     * without it, it relies on each handle cancelling its own ops when closed (the transport's channels do).
     */
    static final boolean CANCEL_ANY = enabled("cancelAny", isCancelAnySupported());
    /**
     * Multishot RECV into a provided-buffer ring (6.0): {@link StreamReadMode#MULTISHOT} channels keep one receive
     * armed and hold no buffer while idle; without it they read as {@link StreamReadMode#RECV} does.
     */
    static final boolean BUFFER_RING = enabled("bufferRing", isBufferRingSupported());
    /**
     * {@code IOU_PBUF_RING_INC} (6.12): the kernel fills a provided buffer a receive at a time, so a small message
     * takes its own bytes of a buffer rather than a whole one; without it every receive takes a buffer.
     */
    static final boolean BUFFER_RING_INCREMENTAL = BUFFER_RING
            && enabled("bufferRingIncremental", isBufferRingIncrementalSupported());
    /**
     * SPLICE (5.7, below the floor, yet probed rather than required): a {@code DefaultFileRegion} goes from its file
     * through a pipe into the socket; switched off, or where the kernel refuses it, it is copied through a buffer.
     */
    static final boolean SPLICE = enabled("splice", isSpliceSupported());
    /** {@code IORING_REGISTER_RING_FDS} (5.18): each enter skips the fd lookup. */
    static final boolean REGISTER_RING_FD = enabled("registerRingFd", isRegisterRingFdSupported());
    /**
     * SEND_ZC (6.0): a stream channel's writes at or above its {@link UringChannelOption#SEND_ZC_THRESHOLD} go zero
     * copy; off, the option is ignored and they are SENDs. The opcode probe is exact: a kernel lists only what it has.
     */
    static final boolean SEND_ZC = enabled("sendZc", isSendZcSupported());
    /**
     * The optional setup flags a loop may ask for: what the kernel accepts, minus the switched-off ones
     * ({@code SUBMIT_ALL} 5.18; {@code COOP_TASKRUN} 5.19). {@code SINGLE_ISSUER} and {@code DEFER_TASKRUN}
     * are switched per loop by its {@link UringIoHandlerConfig}.
     */
    static final int OPTIONAL_SETUP_FLAGS = optionalSetupFlags();

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
        for (int i = 0; i < REQUIRED_FEATURES.length; i++) {
            if (!probe.hasFeature(REQUIRED_FEATURES[i])) {
                return new UnsupportedOperationException("the kernel's io_uring lacks " + REQUIRED_FEATURE_NAMES[i]
                        + ", which this transport needs (Linux 5.11 or later); it reports features 0x"
                        + Integer.toHexString(probe.features()));
            }
        }
        for (int op : REQUIRED_OPS) {
            if (!probe.isSupported(op)) {
                return new UnsupportedOperationException("the kernel's io_uring lacks opcode " + Opcode.name(op)
                        + ", which this transport submits (Linux 5.11 or later needed)");
            }
        }
        return checkDisabledRingSetup();
    }

    /** Sets up a ring the way each event loop does (disabled, own CQ size), then enables it. */
    private static Throwable checkDisabledRingSetup() {
        RingConfig floor = RingConfig.builder().entries(2).cqEntries(4).disabled(true).registerRingFd(false).build();
        try (Ring ring = Ring.open(floor)) {
            ring.enable();
            return null;
        } catch (NativeIoException e) {
            return new UnsupportedOperationException("the kernel cannot set up a ring disabled and enable it later"
                    + " (IORING_SETUP_R_DISABLED, IORING_REGISTER_ENABLE_RINGS: Linux 5.10), which each event loop"
                    + " does so that its own thread becomes the ring's submitter: " + e.getMessage(), e);
        }
    }

    private static void initialize(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("impossible: " + type + " is on the class path", e);
        }
    }

    /** A feature is used when the kernel has it and its switch ({@code -Diouring4j.NAME}) is not false. */
    private static boolean enabled(String name, boolean kernelHasIt) {
        return kernelHasIt && SystemPropertyUtil.getBoolean("iouring4j." + name, true);
    }

    private static int optionalSetupFlags() {
        int flags = KERNEL == null ? 0 : KERNEL.setupFlags();
        if (!enabled("submitAll", true)) {
            flags &= ~IoUring.IORING_SETUP_SUBMIT_ALL;
        }
        if (!enabled("coopTaskrun", true)) {
            // TASKRUN_FLAG stays: DEFER_TASKRUN needs it too (the handler pairs it with whichever it uses).
            flags &= ~IoUring.IORING_SETUP_COOP_TASKRUN;
        }
        return flags;
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

    // What the kernel offers, switched on or not. Each answers false where io_uring is unavailable.

    /** Whether the kernel accepts with one multishot ACCEPT ({@code IORING_ACCEPT_MULTISHOT}, Linux 5.19). */
    public static boolean isMultishotAcceptSupported() {
        return KERNEL != null && KERNEL.multishotAccept();
    }

    /** Whether the kernel takes {@code IORING_RECVSEND_POLL_FIRST} on RECV and SEND (Linux 5.19). */
    public static boolean isPollFirstSupported() {
        return KERNEL != null && KERNEL.recvSendPollFirst();
    }

    /** Whether a RECV's completion says that data is left in the socket ({@code IORING_CQE_F_SOCK_NONEMPTY}, 5.19). */
    public static boolean isSockNonEmptySupported() {
        return KERNEL != null && KERNEL.sockNonEmpty();
    }

    /** Whether ASYNC_CANCEL takes {@code IORING_ASYNC_CANCEL_ANY} (Linux 5.19). */
    public static boolean isCancelAnySupported() {
        return KERNEL != null && KERNEL.cancelAny();
    }

    /**
     * Whether the kernel has provided-buffer rings and a multishot RECV into them (Linux 6.0), what
     * {@link StreamReadMode#MULTISHOT} reads need; Netty calls this "recv multishot" and "register buffer ring".
     */
    public static boolean isBufferRingSupported() {
        return KERNEL != null && KERNEL.multishotRecv();
    }

    /**
     * Whether provided-buffer rings can be consumed incrementally ({@code IOU_PBUF_RING_INC}, Linux 6.12), which
     * {@link StreamReadMode#MULTISHOT} reads use to fill a buffer a receive at a time.
     */
    public static boolean isBufferRingIncrementalSupported() {
        return KERNEL != null && KERNEL.bufferRingIncremental();
    }

    /** Whether the kernel has the SPLICE op (Linux 5.7). */
    public static boolean isSpliceSupported() {
        return UNAVAILABILITY_CAUSE == null && Probe.system().isSupported(Opcode.SPLICE);
    }

    /** Whether a ring can enter by a registered ring fd ({@code IORING_REGISTER_RING_FDS}, Linux 5.18). */
    public static boolean isRegisterRingFdSupported() {
        return KERNEL != null && KERNEL.registeredRingFd();
    }

    /** Whether the kernel has the SEND_ZC op (zero-copy send, Linux 6.0). */
    public static boolean isSendZcSupported() {
        return UNAVAILABILITY_CAUSE == null && Probe.system().isSupported(Opcode.SEND_ZC);
    }

    /** Whether a ring can be set up with {@code IORING_SETUP_SUBMIT_ALL} (Linux 5.18). */
    public static boolean isSubmitAllSupported() {
        return setupFlagSupported(IoUring.IORING_SETUP_SUBMIT_ALL);
    }

    /** Whether a ring can be set up with {@code IORING_SETUP_COOP_TASKRUN} (Linux 5.19). */
    public static boolean isCoopTaskrunSupported() {
        return setupFlagSupported(IoUring.IORING_SETUP_COOP_TASKRUN);
    }

    /**
     * Whether a ring can be set up with {@code IORING_SETUP_SINGLE_ISSUER} (Linux 6.0); whether a loop asks for it
     * is its {@link UringIoHandlerConfig#singleIssuer()}, and what it got {@link UringIoHandler#enabledSetupFlags()}.
     */
    public static boolean isSingleIssuerSupported() {
        return setupFlagSupported(IoUring.IORING_SETUP_SINGLE_ISSUER);
    }

    /**
     * Whether a ring can be set up with {@code IORING_SETUP_DEFER_TASKRUN} (Linux 6.1); whether a loop asks for it
     * is its {@link UringIoHandlerConfig#deferTaskrun()}.
     */
    public static boolean isDeferTaskrunSupported() {
        return setupFlagSupported(IoUring.IORING_SETUP_DEFER_TASKRUN);
    }

    private static boolean setupFlagSupported(int flag) {
        return KERNEL != null && (KERNEL.setupFlags() & flag) != 0;
    }

    // What the transport uses: offered by the kernel and not switched off.

    /** Whether server channels accept with one multishot ACCEPT ({@code -Diouring4j.multishotAccept}). */
    public static boolean isMultishotAcceptEnabled() {
        return MULTISHOT_ACCEPT;
    }

    /** Whether a read of a socket known to be empty polls first ({@code -Diouring4j.pollFirst}). */
    public static boolean isPollFirstEnabled() {
        return POLL_FIRST;
    }

    /** Whether reads learn from the kernel that data is left in the socket ({@code -Diouring4j.sockNonEmpty}). */
    public static boolean isSockNonEmptyEnabled() {
        return SOCK_NONEMPTY;
    }

    /**
     * Whether a loop shutting down cancels every op left in its ring itself ({@code -Diouring4j.cancelAny});
     * otherwise each handle's {@code close()} must cancel its own.
     */
    public static boolean isCancelAnyEnabled() {
        return CANCEL_ANY;
    }

    /**
     * Whether {@link StreamReadMode#MULTISHOT} channels receive with one multishot RECV into the loop's
     * provided-buffer ring ({@code -Diouring4j.bufferRing}); else they read as {@link StreamReadMode#RECV}.
     */
    public static boolean isBufferRingEnabled() {
        return BUFFER_RING;
    }

    /**
     * Whether the provided-buffer ring's buffers are filled a receive at a time ({@code IOU_PBUF_RING_INC},
     * {@code -Diouring4j.bufferRingIncremental}, Linux 6.12); else each receive takes a whole buffer.
     */
    public static boolean isBufferRingIncrementalEnabled() {
        return BUFFER_RING_INCREMENTAL;
    }

    /**
     * Whether a {@code DefaultFileRegion} is sent by SPLICE from its file ({@code -Diouring4j.splice}); otherwise
     * every file region is copied through a buffer.
     */
    public static boolean isSpliceEnabled() {
        return SPLICE;
    }

    /** Whether event loops enter their rings by a registered ring fd ({@code -Diouring4j.registerRingFd}). */
    public static boolean isRegisterRingFdEnabled() {
        return REGISTER_RING_FD;
    }

    /** Whether stream channels may send zero copy ({@code -Diouring4j.sendZc}, Linux 6.0). */
    public static boolean isSendZcEnabled() {
        return SEND_ZC;
    }

    /** Whether event loops set their rings up with {@code IORING_SETUP_SUBMIT_ALL} ({@code -Diouring4j.submitAll}). */
    public static boolean isSubmitAllEnabled() {
        return (OPTIONAL_SETUP_FLAGS & IoUring.IORING_SETUP_SUBMIT_ALL) != 0;
    }

    /**
     * Whether event loops without {@code DEFER_TASKRUN} set their rings up with {@code IORING_SETUP_COOP_TASKRUN}
     * ({@code -Diouring4j.coopTaskrun}).
     */
    public static boolean isCoopTaskrunEnabled() {
        return (OPTIONAL_SETUP_FLAGS & IoUring.IORING_SETUP_COOP_TASKRUN) != 0;
    }

    /**
     * The optional {@code IORING_SETUP_*} flags event loops may use beyond what their config switches
     * ({@code SUBMIT_ALL}, {@code COOP_TASKRUN}, {@code TASKRUN_FLAG}, {@code SINGLE_ISSUER},
     * {@code DEFER_TASKRUN}): those the kernel accepts, minus those switched off.
     */
    public static int optionalSetupFlagsEnabled() {
        return OPTIONAL_SETUP_FLAGS;
    }

    /** The optional features in use and the kernel's, for logs and bug reports. */
    public static String describeFeatures() {
        return "multishotAccept=" + MULTISHOT_ACCEPT + ", pollFirst=" + POLL_FIRST + ", sockNonEmpty=" + SOCK_NONEMPTY
                + ", cancelAny=" + CANCEL_ANY + ", bufferRing=" + BUFFER_RING
                + ", bufferRingIncremental=" + BUFFER_RING_INCREMENTAL + ", registerRingFd=" + REGISTER_RING_FD
                + ", sendZc=" + SEND_ZC + ", splice=" + SPLICE + ", optionalSetupFlags=0x"
                + Integer.toHexString(OPTIONAL_SETUP_FLAGS) + " (kernel: " + KERNEL + ")";
    }
}
