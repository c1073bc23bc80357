package org.iouring4j.ring;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the kernel reports it supports, and the availability check that gates every kernel test. */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class ProbeTest {
    @Test
    void ioUringIsAvailableWithNoCause() {
        assertTrue(Probe.isAvailable());
        assertNull(Probe.unavailabilityCause());
    }

    @Test
    void systemProbeListsTheBasicOps() {
        Probe probe = Probe.system();
        for (int op : new int[] {Opcode.NOP, Opcode.READV, Opcode.WRITEV, Opcode.ACCEPT, Opcode.CONNECT,
                Opcode.ASYNC_CANCEL, Opcode.LINK_TIMEOUT}) {
            assertTrue(probe.isSupported(op), Opcode.name(op) + " unsupported: " + probe);
        }
        assertTrue(probe.lastOp() >= Opcode.READ_MULTISHOT || !KernelVersion.atLeast(6, 7),
                "kernel 6.7+ knows READ_MULTISHOT: " + probe);
        assertTrue(probe.toString().contains("READV"), probe.toString());
    }

    @Test
    void opcodesOutsideTheTableAreUnsupported() {
        Probe probe = Probe.system();
        assertFalse(probe.isSupported(-1));
        assertFalse(probe.isSupported(255));
        assertFalse(probe.isSupported(256));
    }

    @Test
    void systemProbeReportsTheRingFeatures() {
        Probe probe = Probe.system();
        assertTrue(probe.hasFeature(IoUring.IORING_FEAT_NODROP | IoUring.IORING_FEAT_EXT_ARG), probe.toString());
    }

    @Test
    void epermHintNamesTheSysctlWhenItDisablesIoUring() {
        String hint = SetupHints.forEperm("2");
        assertTrue(hint.contains("io_uring_disabled"), hint);
        assertTrue(SetupHints.forEperm("1").contains("io_uring_group"), SetupHints.forEperm("1"));
    }

    @Test
    void epermHintBlamesSeccompWithoutTheSysctl() {
        String hint = SetupHints.forEperm(null);
        assertTrue(hint.contains("seccomp"), hint);
        assertTrue(SetupHints.forEperm("0").contains("seccomp"), "sysctl allows io_uring, so it is not the cause");
    }

    @Test
    void aThirtyTwoBitJvmIsRefusedByName() {
        assertNull(Probe.dataModelProblem(8, 8, "amd64"));
        String problem = Probe.dataModelProblem(4, 4, "x86");
        assertTrue(problem != null && problem.contains("64-bit JVM required"), String.valueOf(problem));
        assertTrue(problem.contains("os.arch=x86"), problem);
        // An ILP32 ABI on a 64-bit kernel (x32) has 4-byte longs and pointers too.
        assertTrue(Probe.dataModelProblem(4, 4, "x32").contains("64-bit JVM required"));
    }
}
