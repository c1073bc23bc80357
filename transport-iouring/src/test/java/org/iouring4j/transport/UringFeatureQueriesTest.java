package org.iouring4j.transport;

import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.KernelFeatures;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.Probe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Uring.isXxxSupported()} says what the kernel offers, {@code Uring.isXxxEnabled()} what the transport uses.
 * The build runs this class twice: as it is, and with every switch off ({@code floor-features}), where each
 * "enabled" must say false while "supported" still says true.
 */
@ExtendWith(RequiresUring.class)
@Timeout(30)
class UringFeatureQueriesTest {
    /** A feature: its switch ({@code iouring4j.NAME}, null if it has none), the release that brought it, its queries. */
    private static final class Feature {
        final String name;
        final String switchName;
        final int major;
        final int minor;
        final BooleanSupplier supported;
        final BooleanSupplier enabled;

        Feature(String name, String switchName, int major, int minor, BooleanSupplier supported,
                BooleanSupplier enabled) {
            this.name = name;
            this.switchName = switchName;
            this.major = major;
            this.minor = minor;
            this.supported = supported;
            this.enabled = enabled;
        }
    }

    private static final Feature[] FEATURES = {
        new Feature("multishot accept", "multishotAccept", 5, 19, Uring::isMultishotAcceptSupported,
                Uring::isMultishotAcceptEnabled),
        new Feature("poll first", "pollFirst", 5, 19, Uring::isPollFirstSupported, Uring::isPollFirstEnabled),
        new Feature("sock nonempty", "sockNonEmpty", 5, 19, Uring::isSockNonEmptySupported,
                Uring::isSockNonEmptyEnabled),
        new Feature("cancel any", "cancelAny", 5, 19, Uring::isCancelAnySupported, Uring::isCancelAnyEnabled),
        new Feature("buffer ring", "bufferRing", 6, 0, Uring::isBufferRingSupported, Uring::isBufferRingEnabled),
        new Feature("splice", "splice", 5, 7, Uring::isSpliceSupported, Uring::isSpliceEnabled),
        new Feature("registered ring fd", "registerRingFd", 5, 18, Uring::isRegisterRingFdSupported,
                Uring::isRegisterRingFdEnabled),
        new Feature("send zc", "sendZc", 6, 0, Uring::isSendZcSupported, Uring::isSendZcEnabled),
        new Feature("submit all", "submitAll", 5, 18, Uring::isSubmitAllSupported, Uring::isSubmitAllEnabled),
        new Feature("coop taskrun", "coopTaskrun", 5, 19, Uring::isCoopTaskrunSupported,
                Uring::isCoopTaskrunEnabled),
        new Feature("single issuer", null, 6, 0, Uring::isSingleIssuerSupported, null),
        new Feature("defer taskrun", null, 6, 1, Uring::isDeferTaskrunSupported, null),
        // Enabled also needs the buffer ring itself; every run that includes this test switches both alike.
        new Feature("incremental buffer ring", "bufferRingIncremental", 6, 12, Uring::isBufferRingIncrementalSupported,
                Uring::isBufferRingIncrementalEnabled),
    };

    private static boolean switchedOn(String name) {
        return !"false".equals(System.getProperty("iouring4j." + name));
    }

    /** A kernel at or past the release that brought a feature must be found to have it. */
    @Test
    void everyFeatureOfThisKernelsReleaseIsSupported() throws IOException {
        int[] release = kernelRelease();
        for (Feature feature : FEATURES) {
            boolean due = release[0] > feature.major || (release[0] == feature.major && release[1] >= feature.minor);
            if (due) {
                assertTrue(feature.supported.getAsBoolean(), feature.name + " came with Linux " + feature.major + "."
                        + feature.minor + "; this is " + release[0] + "." + release[1]);
            }
        }
    }

    /** "Supported" is what the ring library's probes found, switches or not. */
    @Test
    void supportedIsWhatTheKernelProbeFound() {
        KernelFeatures kernel = KernelFeatures.system();
        assertEquals(kernel.multishotAccept(), Uring.isMultishotAcceptSupported());
        assertEquals(kernel.recvSendPollFirst(), Uring.isPollFirstSupported());
        assertEquals(kernel.sockNonEmpty(), Uring.isSockNonEmptySupported());
        assertEquals(kernel.cancelAny(), Uring.isCancelAnySupported());
        assertEquals(kernel.multishotRecv(), Uring.isBufferRingSupported());
        assertEquals(kernel.bufferRingIncremental(), Uring.isBufferRingIncrementalSupported());
        assertEquals(kernel.registeredRingFd(), Uring.isRegisterRingFdSupported());
        assertEquals(Probe.system().isSupported(Opcode.SPLICE), Uring.isSpliceSupported());
        assertEquals(Probe.system().isSupported(Opcode.SEND_ZC), Uring.isSendZcSupported());
        assertEquals(kernel.acceptsSetupFlags(IoUring.IORING_SETUP_SUBMIT_ALL), Uring.isSubmitAllSupported());
        assertEquals(kernel.acceptsSetupFlags(IoUring.IORING_SETUP_COOP_TASKRUN), Uring.isCoopTaskrunSupported());
        assertEquals(kernel.acceptsSetupFlags(IoUring.IORING_SETUP_SINGLE_ISSUER), Uring.isSingleIssuerSupported());
        assertEquals(kernel.acceptsSetupFlags(IoUring.IORING_SETUP_DEFER_TASKRUN), Uring.isDeferTaskrunSupported());
    }

    /** "Enabled" is "supported" with the switch on; in the floor-features run every switch is off. */
    @Test
    void enabledIsSupportedWithTheSwitchOn() {
        int switchedOff = 0;
        for (Feature feature : FEATURES) {
            if (feature.switchName == null) {
                continue;
            }
            boolean on = switchedOn(feature.switchName);
            switchedOff += on ? 0 : 1;
            assertEquals(feature.supported.getAsBoolean() && on, feature.enabled.getAsBoolean(),
                    feature.name + " with -Diouring4j." + feature.switchName + (on ? " on" : "=false"));
        }
        System.out.println(switchedOff + " switches off: " + Uring.describeFeatures());
    }

    /** {@code major.minor} of the running kernel, from {@code /proc/sys/kernel/osrelease} ("6.18.0-1-amd64"). */
    private static int[] kernelRelease() throws IOException {
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        assertTrue(m.find(), "kernel release " + release);
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}
