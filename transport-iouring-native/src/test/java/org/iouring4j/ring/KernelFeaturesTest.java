package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional features found by trying them. A kernel at least as new as a feature's version has it, so each
 * probe must come out positive there (on the development kernel, 6.18, every one): a probe that cannot tell (a
 * wrong op, a missed CQE) shows up as a feature reported absent. Older kernels (scripts/emulated-test.sh boots
 * Debian's 6.1) check the features they have.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class KernelFeaturesTest {
    @Test
    void everyOptionalFeatureOfThisKernelIsFound() {
        KernelFeatures features = KernelFeatures.system();
        String found = features + " on " + System.getProperty("os.version");
        assertSetupFlag(features, IoUring.IORING_SETUP_SUBMIT_ALL, 5, 18);
        assertSetupFlag(features, IoUring.IORING_SETUP_COOP_TASKRUN | IoUring.IORING_SETUP_TASKRUN_FLAG, 5, 19);
        assertSetupFlag(features, IoUring.IORING_SETUP_SINGLE_ISSUER, 6, 0);
        assertSetupFlag(features, IoUring.IORING_SETUP_DEFER_TASKRUN, 6, 1);
        assertTrue(features.registeredRingFd() || !KernelVersion.atLeast(5, 18), found);
        assertTrue(features.cancelAny() || !KernelVersion.atLeast(5, 19), found);
        assertTrue(features.multishotAccept() || !KernelVersion.atLeast(5, 19), found);
        assertTrue(features.recvSendPollFirst() || !KernelVersion.atLeast(5, 19), found);
        assertTrue(features.sockNonEmpty() || !KernelVersion.atLeast(5, 19), found);
        assertTrue(features.multishotRecv() || !KernelVersion.atLeast(6, 0), found);
        assertTrue(features.bufferRingIncremental() || !KernelVersion.atLeast(6, 12), found);
        assertSame(features, KernelFeatures.system(), "probed once");
    }

    private static void assertSetupFlag(KernelFeatures features, int flags, int major, int minor) {
        if (KernelVersion.atLeast(major, minor)) {
            assertEquals(flags, features.setupFlags() & flags, "Linux " + major + "." + minor + " flags 0x"
                    + Integer.toHexString(flags) + ": " + features + " on " + System.getProperty("os.version"));
        }
    }

    @Test
    void setupFlagsOutsideTheProbedOnesAreNotJudged() {
        KernelFeatures features = KernelFeatures.system();
        // CQSIZE is not among the probed flags: it is never held against a kernel, with or without accepted ones.
        assertTrue(features.acceptsSetupFlags(IoUring.IORING_SETUP_CQSIZE | features.setupFlags()));
        assertTrue(features.acceptsSetupFlags(IoUring.IORING_SETUP_CQSIZE));
        assertTrue(features.acceptsSetupFlags(0));
    }

    @Test
    void anUnacceptedFlagIsReportedSo() {
        KernelFeatures features = KernelFeatures.system();
        // Only meaningful where the kernel lacks one; here every flag is accepted, so check the arithmetic
        // against the flags the kernel reported.
        int missing = KernelFeatures.OPTIONAL_SETUP_FLAGS & ~features.setupFlags();
        assertEquals(missing == 0, features.acceptsSetupFlags(KernelFeatures.OPTIONAL_SETUP_FLAGS));
        assertFalse(missing != 0 && features.acceptsSetupFlags(missing));
    }
}
