package org.iouring4j.transport;

import org.iouring4j.ring.Errno;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.RingConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an event loop's ring is set up: the sizes of its {@link UringIoHandlerConfig}, the optional setup flags that
 * config asks for and the kernel accepts, and disabled until the loop thread enables it.
 */
final class LoopRing {
    private static final Logger logger = LoggerFactory.getLogger(LoopRing.class);

    private LoopRing() {
    }

    /**
     * Opens the ring disabled, so that the loop thread, not this constructing thread, becomes its single
     * issuer when {@link UringIoHandler#initialize()} enables it. The optional setup flags are those the config asks for and
     * the kernel accepts ({@link Uring#optionalSetupFlagsEnabled()}); should the kernel still refuse that
     * combination (one the probe did not try, with SQPOLL say), the ring is set up with the floor's flags alone.
     */
    static Ring open(UringIoHandlerConfig config) {
        RingConfig withOptional = ringConfig(config).extraFlags(optionalSetupFlags(config)).build();
        try {
            return Ring.open(withOptional);
        } catch (NativeIoException e) {
            if (e.errno() != Errno.EINVAL || optionalSetupFlags(config) == 0) {
                throw new IllegalStateException("failed to set up io_uring for " + config, e);
            }
            logger.debug("Kernel rejected {}; setting up without optional flags", withOptional, e);
        }
        try {
            return Ring.open(ringConfig(config).build());
        } catch (NativeIoException e) {
            throw new IllegalStateException("failed to set up io_uring for " + config, e);
        }
    }

    /**
     * {@code SUBMIT_ALL} (a failing SQE does not stop the batch), and with a single issuer either deferred task
     * work (completion work runs when the loop enters) or cooperative task work (the kernel does not interrupt
     * the loop for it); {@code TASKRUN_FLAG} with either, so the loop sees when an enter is due.
     */
    private static int optionalSetupFlags(UringIoHandlerConfig config) {
        int available = Uring.OPTIONAL_SETUP_FLAGS;
        int wanted = IoUring.IORING_SETUP_SUBMIT_ALL;
        if (config.singleIssuer() && (available & IoUring.IORING_SETUP_SINGLE_ISSUER) != 0) {
            wanted |= IoUring.IORING_SETUP_SINGLE_ISSUER;
            if (config.effectiveDeferTaskrun() && (available & IoUring.IORING_SETUP_DEFER_TASKRUN) != 0) {
                wanted |= IoUring.IORING_SETUP_DEFER_TASKRUN | IoUring.IORING_SETUP_TASKRUN_FLAG;
            } else if ((available & IoUring.IORING_SETUP_COOP_TASKRUN) != 0) {
                wanted |= IoUring.IORING_SETUP_COOP_TASKRUN | IoUring.IORING_SETUP_TASKRUN_FLAG;
            }
        }
        return wanted & available;
    }

    private static RingConfig.Builder ringConfig(UringIoHandlerConfig config) {
        return RingConfig.builder()
                .entries(config.ringSize())
                .cqEntries(config.cqSize())
                .sqPoll(config.sqPoll())
                .sqThreadIdleMillis(config.sqPoll() ? config.sqThreadIdleMillis() : 0)
                .sqThreadCpu(config.sqPoll() ? config.sqThreadCpu() : -1)
                .disabled(true)
                .registerRingFd(false); // a registered ring fd belongs to a thread: done in initialize()
    }
}
