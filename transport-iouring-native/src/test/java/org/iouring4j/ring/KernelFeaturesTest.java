package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The optional features found by trying them. The development kernel (6.18) has every one, so each probe must
 * come out positive here: a probe that cannot tell (a wrong op, a missed CQE) shows up as a feature reported
 * absent.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class KernelFeaturesTest {
    @Test
    void everyOptionalFeatureOfThisKernelIsFound() {
        KernelFeatures features = KernelFeatures.system();
        assertEquals(KernelFeatures.OPTIONAL_SETUP_FLAGS, features.setupFlags(), features.toString());
        assertTrue(features.registeredRingFd(), features.toString());
        assertTrue(features.cancelAny(), features.toString());
        assertTrue(features.multishotAccept(), features.toString());
        assertTrue(features.recvSendPollFirst(), features.toString());
        assertTrue(features.sockNonEmpty(), features.toString());
        assertTrue(features.multishotRecv(), features.toString());
        assertTrue(features.bufferRingIncremental(), features.toString());
        assertSame(features, KernelFeatures.system(), "probed once");
    }

    @Test
    void setupFlagsOutsideTheProbedOnesAreNotJudged() {
        KernelFeatures features = KernelFeatures.system();
        assertTrue(features.acceptsSetupFlags(IoUring.IORING_SETUP_CQSIZE | IoUring.IORING_SETUP_SUBMIT_ALL));
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
