package org.iouring4j.ring;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;

/**
 * The optional io_uring behaviours of the running kernel that no feature bit announces, found by trying each
 * once, on scratch rings and a loopback connection, and looking at what the kernel answers:
 * <ul>
 * <li>optional setup flags: {@code SUBMIT_ALL} (5.18), {@code COOP_TASKRUN} and {@code TASKRUN_FLAG} (5.19),
 *     {@code SINGLE_ISSUER} (6.0), {@code DEFER_TASKRUN} (6.1): {@code io_uring_setup} accepts them or answers
 *     EINVAL;</li>
 * <li>a registered ring fd ({@code IORING_REGISTER_RING_FDS}, 5.18);</li>
 * <li>{@code IORING_ASYNC_CANCEL_ANY} (5.19): a cancel of "any op" on an idle ring answers how many it cancelled
 *     (0), where an older kernel refuses the flag (EINVAL);</li>
 * <li>multishot ACCEPT (5.19): a waiting connection is accepted with {@code IORING_CQE_F_MORE} set, where an
 *     older kernel refuses the op with EINVAL;</li>
 * <li>{@code IORING_RECVSEND_POLL_FIRST} (5.19): a kernel that knows RECV's ioprio flags takes it and refuses an
 *     unknown flag with EINVAL, where an older one ignores the field;</li>
 * <li>{@code IORING_CQE_F_SOCK_NONEMPTY} (5.19): set on a TCP RECV that left data in the socket;</li>
 * <li>multishot RECV into a provided-buffer ring (ring registration 5.19, multishot RECV 6.0): a RECV with
 *     {@code IORING_RECV_MULTISHOT} picks a ring buffer and completes with {@code IORING_CQE_F_MORE} and
 *     {@code IORING_CQE_F_BUFFER} set, where an older kernel refuses the registration or the flag;</li>
 * <li>incrementally consumed provided-buffer rings ({@code IOU_PBUF_RING_INC}, 6.12): the registration is accepted,
 *     where an older kernel refuses the flag with EINVAL.</li>
 * </ul>
 *
 * <p>Trying is exact where inferring from an opcode of the same release is not (a kernel with io_uring
 * backports may have one without the other). A probe that cannot run (no loopback, out of fds) reports its
 * feature as absent, which costs only the optimisation: every one of these has a fallback.
 */
public final class KernelFeatures {
    /** The setup flags whose support is probed here; any other flag is not judged by this class. */
    public static final int OPTIONAL_SETUP_FLAGS = IoUring.IORING_SETUP_SUBMIT_ALL
            | IoUring.IORING_SETUP_COOP_TASKRUN | IoUring.IORING_SETUP_TASKRUN_FLAG
            | IoUring.IORING_SETUP_SINGLE_ISSUER | IoUring.IORING_SETUP_DEFER_TASKRUN;
    /** An ioprio bit no kernel defines for RECV: a kernel that validates the field refuses it. */
    private static final int UNKNOWN_RECV_FLAG = 1 << 15;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long PROBE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final int setupFlags;
    private final boolean registeredRingFd;
    private final boolean cancelAny;
    private final boolean multishotAccept;
    private final boolean recvSendPollFirst;
    private final boolean sockNonEmpty;
    private final boolean multishotRecv;
    private final boolean bufferRingIncremental;

    private KernelFeatures(int setupFlags, boolean registeredRingFd, boolean cancelAny, boolean bufferRingIncremental,
                           SocketFindings socket) {
        this.setupFlags = setupFlags;
        this.registeredRingFd = registeredRingFd;
        this.cancelAny = cancelAny;
        this.multishotAccept = socket.multishotAccept;
        this.recvSendPollFirst = socket.recvSendPollFirst;
        this.sockNonEmpty = socket.sockNonEmpty;
        this.multishotRecv = socket.multishotRecv;
        this.bufferRingIncremental = bufferRingIncremental;
    }

    /**
     * This kernel's optional features, probed once on first use.
     *
     * @throws UnsupportedOperationException when io_uring is unavailable ({@link Probe#unavailabilityCause()})
     */
    public static KernelFeatures system() {
        Probe.system(); // throws with the cause when io_uring cannot be used at all
        return Holder.FEATURES;
    }

    /** The optional setup flags (of {@link #OPTIONAL_SETUP_FLAGS}) this kernel accepts. */
    public int setupFlags() {
        return setupFlags;
    }

    /** Whether the kernel accepts every flag of {@code flags} that is among {@link #OPTIONAL_SETUP_FLAGS}. */
    public boolean acceptsSetupFlags(int flags) {
        return (flags & OPTIONAL_SETUP_FLAGS & ~setupFlags) == 0;
    }

    /** Whether a ring fd can be registered with its ring ({@code IORING_REGISTER_RING_FDS}). */
    public boolean registeredRingFd() {
        return registeredRingFd;
    }

    /** Whether ASYNC_CANCEL takes {@code IORING_ASYNC_CANCEL_ANY} (cancel every op of the ring). */
    public boolean cancelAny() {
        return cancelAny;
    }

    /** Whether ACCEPT takes {@code IORING_ACCEPT_MULTISHOT}. */
    public boolean multishotAccept() {
        return multishotAccept;
    }

    /** Whether RECV and SEND take {@code IORING_RECVSEND_POLL_FIRST}. */
    public boolean recvSendPollFirst() {
        return recvSendPollFirst;
    }

    /** Whether a RECV's completion says, with {@code IORING_CQE_F_SOCK_NONEMPTY}, that data is still queued. */
    public boolean sockNonEmpty() {
        return sockNonEmpty;
    }

    /**
     * Whether a RECV with {@code IORING_RECV_MULTISHOT} stays armed and receives into buffers of a provided-buffer
     * ring ({@link RingRegistrar#registerBufferRing}).
     */
    public boolean multishotRecv() {
        return multishotRecv;
    }

    /** Whether a provided-buffer ring can be consumed incrementally ({@link IoUring#IOU_PBUF_RING_INC}). */
    public boolean bufferRingIncremental() {
        return bufferRingIncremental;
    }

    @Override
    public String toString() {
        return "KernelFeatures[setupFlags=0x" + Integer.toHexString(setupFlags) + ", registeredRingFd="
                + registeredRingFd + ", cancelAny=" + cancelAny + ", multishotAccept=" + multishotAccept + ", recvSendPollFirst="
                + recvSendPollFirst + ", sockNonEmpty=" + sockNonEmpty + ", multishotRecv=" + multishotRecv + ", bufferRingIncremental=" + bufferRingIncremental + "]";
    }

    private static final class Holder {
        static final KernelFeatures FEATURES = probe();
    }

    private static KernelFeatures probe() {
        int accepted = 0;
        // Flags that only work together are tried together; each combination credits the flag it adds.
        int[][] trials = {
            {IoUring.IORING_SETUP_SUBMIT_ALL, IoUring.IORING_SETUP_SUBMIT_ALL},
            {IoUring.IORING_SETUP_COOP_TASKRUN, IoUring.IORING_SETUP_COOP_TASKRUN},
            {IoUring.IORING_SETUP_COOP_TASKRUN | IoUring.IORING_SETUP_TASKRUN_FLAG, IoUring.IORING_SETUP_TASKRUN_FLAG},
            {IoUring.IORING_SETUP_SINGLE_ISSUER, IoUring.IORING_SETUP_SINGLE_ISSUER},
            {IoUring.IORING_SETUP_SINGLE_ISSUER | IoUring.IORING_SETUP_DEFER_TASKRUN,
                IoUring.IORING_SETUP_DEFER_TASKRUN},
        };
        for (int[] trial : trials) {
            if (setupAccepts(trial[0])) {
                accepted |= trial[1];
            }
        }
        return new KernelFeatures(accepted, ringFdRegisters(), cancelAnyIsKnown(), incrementalBufferRingRegisters(),
                SocketFindings.probe());
    }

    private static RingConfig.Builder scratchRing() {
        return RingConfig.builder().entries(4).registerRingFd(false);
    }

    private static boolean setupAccepts(int flags) {
        try (Ring ignored = Ring.open(scratchRing().extraFlags(flags).build())) {
            return true;
        } catch (NativeIoException e) {
            return false; // EINVAL: an unknown flag (anything else would fail a real ring with the flag too)
        }
    }

    private static boolean ringFdRegisters() {
        try (Ring ring = Ring.open(scratchRing().build())) {
            ring.registerRingFd();
            return ring.isRingFdRegistered();
        } catch (NativeIoException e) {
            return false;
        }
    }

    private static boolean incrementalBufferRingRegisters() {
        try (Ring ring = Ring.open(scratchRing().build());
             BufferRing ignored = ring.registrar().registerBufferRing(1, 1, IoUring.IOU_PBUF_RING_INC)) {
            return true;
        } catch (NativeIoException e) {
            return false; // EINVAL: the flag is unknown (or provided-buffer rings are)
        }
    }

    private static boolean cancelAnyIsKnown() {
        try (Ring ring = Ring.open(scratchRing().build())) {
            ring.submissionQueue().addCancel(0, IoUring.IORING_ASYNC_CANCEL_ANY, 0);
            ring.submitAndWait(1, PROBE_WAIT_NANOS);
            int[] res = {-Errno.ETIME};
            ring.completionQueue().drain((userData, cqeRes, cqeFlags) -> res[0] = cqeRes, 1);
            return res[0] >= 0;
        } catch (NativeIoException e) {
            return false;
        }
    }

    /** What a loopback TCP connection driven through a scratch ring shows of the socket ops. */
    private static final class SocketFindings {
        boolean multishotAccept;
        boolean recvSendPollFirst;
        boolean sockNonEmpty;
        boolean multishotRecv;
        /** The last CQE reaped, reused by every step (one probe, one thread). */
        private int res;
        private int flags;

        static SocketFindings probe() {
            SocketFindings findings = new SocketFindings();
            int listener = -1;
            int client = -1;
            int server = -1;
            try (Ring ring = Ring.open(scratchRing().build())) {
                listener = LinuxSocket.newStreamSocket(false);
                LinuxSocket.bind(listener, new InetSocketAddress(loopback(), 0), false);
                LinuxSocket.listen(listener, 1);
                client = LinuxSocket.newStreamSocket(false);
                LinuxSocket.connect(client, LinuxSocket.localAddress(listener), false);
                server = findings.probeMultishotAccept(ring, listener);
                if (server < 0) {
                    server = LinuxSocket.accept(listener);
                }
                findings.probeReceive(ring, client, server);
                findings.probeMultishotRecv(ring, client, server);
            } catch (NativeIoException | RuntimeException e) {
                // What was learnt stands; the rest stays "absent" and its fallback is used.
            } finally {
                closeQuietly(server);
                closeQuietly(client);
                closeQuietly(listener);
            }
            return findings;
        }

        /** @return the accepted connection, or -1 if the kernel refused a multishot accept */
        private int probeMultishotAccept(Ring ring, int listener) throws NativeIoException {
            ring.submissionQueue().addMultishotAccept(listener, 0, 0, SOCK_CLOEXEC, 0);
            reapOne(ring);
            if (res < 0) {
                return -1;
            }
            multishotAccept = (flags & IoUring.IORING_CQE_F_MORE) != 0;
            return res; // the armed accept is cancelled when the ring closes
        }

        private void probeReceive(Ring ring, int client, int server) throws NativeIoException {
            try (NativeMemory buffer = NativeMemory.allocate(3)) {
                if (FileDescriptors.write(client, buffer.address(), 3) != 3) {
                    return;
                }
                SubmissionQueue sq = ring.submissionQueue();
                sq.addRecv(server, buffer.address(), 1, 0, 0);
                reapOne(ring);
                sockNonEmpty = res == 1 && (flags & IoUring.IORING_CQE_F_SOCK_NONEMPTY) != 0;
                // Data is still queued, so a RECV the kernel takes completes at once either way.
                sq.add(Opcode.RECV, 0, UNKNOWN_RECV_FLAG, server, 0, buffer.address(), 1, 0, 0);
                reapOne(ring);
                boolean validatesFlags = res == -Errno.EINVAL;
                sq.add(Opcode.RECV, 0, IoUring.IORING_RECVSEND_POLL_FIRST, server, 0, buffer.address(), 1, 0, 0);
                reapOne(ring);
                recvSendPollFirst = validatesFlags && res == 1;
            }
        }

        /** A multishot RECV into a one-buffer ring: armed (F_MORE) and into that buffer (F_BUFFER). */
        private void probeMultishotRecv(Ring ring, int client, int server) throws NativeIoException {
            int groupId = 1;
            try (NativeMemory buffer = NativeMemory.allocate(8);
                 BufferRing buffers = ring.registrar().registerBufferRing(groupId, 1)) {
                buffers.add(buffer.address(), 8, 0);
                buffers.publish();
                ring.submissionQueue().addRecvMultishot(server, groupId, 0, 0);
                if (FileDescriptors.write(client, buffer.address(), 1) != 1) {
                    return;
                }
                reapOne(ring);
                multishotRecv = res > 0 && (flags & IoUring.IORING_CQE_F_MORE) != 0
                        && (flags & IoUring.IORING_CQE_F_BUFFER) != 0;
                // Still armed (its ring is now empty): closing the probe's ring ends it.
            } catch (NativeIoException e) {
                // EINVAL from the registration: no provided-buffer rings, so no such receive either.
            }
        }

        private void reapOne(Ring ring) throws NativeIoException {
            res = -Errno.ETIME;
            flags = 0;
            ring.submitAndWait(1, PROBE_WAIT_NANOS);
            ring.completionQueue().drain((userData, cqeRes, cqeFlags) -> {
                res = cqeRes;
                flags = cqeFlags;
            }, 1);
        }

        private static InetAddress loopback() {
            try {
                return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            } catch (UnknownHostException e) {
                throw new IllegalStateException("impossible: a 4-byte address", e);
            }
        }

        private static void closeQuietly(int fd) {
            if (fd >= 0) {
                try {
                    FileDescriptors.close(fd);
                } catch (NativeIoException e) {
                    // Nothing to do: the probe's fds are its own.
                }
            }
        }
    }
}
