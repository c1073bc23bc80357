package org.iouring4j.transport;

import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.KernelFeatures;
import org.iouring4j.ring.Opcode;
import org.iouring4j.ring.Probe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each optional kernel feature is used exactly when the kernel has it and its switch is not off. The build runs
 * the transport's tests twice: as they are, and with every switch off (the floor's feature set), so this checks
 * both that the features are found on the development kernel and that the switches really turn them off.
 */
@ExtendWith(RequiresUring.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OptionalFeatureSwitchesTest {
    private static boolean switchedOn(String name) {
        return !"false".equals(System.getProperty("iouring4j." + name));
    }

    @Test
    void eachFeatureIsUsedWhenTheKernelHasItAndItsSwitchIsOn() {
        KernelFeatures kernel = KernelFeatures.system();
        System.out.println("optional features: " + Uring.describeFeatures());
        assertEquals(kernel.multishotAccept() && switchedOn("multishotAccept"), Uring.isMultishotAcceptEnabled());
        assertEquals(kernel.recvSendPollFirst() && switchedOn("pollFirst"), Uring.isPollFirstEnabled());
        assertEquals(kernel.sockNonEmpty() && switchedOn("sockNonEmpty"), Uring.isSockNonEmptyEnabled());
        assertEquals(kernel.cancelAny() && switchedOn("cancelAny"), Uring.isCancelAnyEnabled());
        assertEquals(kernel.registeredRingFd() && switchedOn("registerRingFd"), Uring.isRegisterRingFdEnabled());
        assertEquals(kernel.multishotRecv() && switchedOn("bufferRing"), Uring.isBufferRingEnabled());
        assertEquals(Uring.isBufferRingEnabled() && kernel.bufferRingIncremental() && switchedOn("bufferRingIncremental"),
                Uring.isBufferRingIncrementalEnabled());
        assertEquals(Probe.system().isSupported(Opcode.SEND_ZC) && switchedOn("sendZc"), Uring.isSendZcEnabled());
        assertEquals(Probe.system().isSupported(Opcode.SPLICE) && switchedOn("splice"), Uring.isSpliceEnabled());
        assertEquals(switchedOn("submitAll"),
                (Uring.optionalSetupFlagsEnabled() & IoUring.IORING_SETUP_SUBMIT_ALL) != 0);
        assertEquals(switchedOn("coopTaskrun"),
                (Uring.optionalSetupFlagsEnabled() & IoUring.IORING_SETUP_COOP_TASKRUN) != 0);
    }

    /** What a loop's ring really got follows the switches and the config (whose defaults are properties too). */
    @Test
    void aLoopsRingHasExactlyTheOptionalFlagsSwitchedOn() throws Exception {
        UringIoHandlerConfig config = new UringIoHandlerConfig();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory(config));
        try {
            IoEventLoop loop = group.next();
            int flags = loop.submit(() -> UringIoHandler.current().enabledSetupFlags()).get();
            boolean ringFdRegistered = loop.submit(() -> UringIoHandler.current().isRingFdRegistered()).get();
            boolean singleIssuer = config.singleIssuer();
            boolean defer = singleIssuer && config.effectiveDeferTaskrun();
            assertEquals(switchedOn("submitAll"), has(flags, IoUring.IORING_SETUP_SUBMIT_ALL), hex(flags));
            assertEquals(singleIssuer, has(flags, IoUring.IORING_SETUP_SINGLE_ISSUER), hex(flags));
            assertEquals(defer, has(flags, IoUring.IORING_SETUP_DEFER_TASKRUN), hex(flags));
            assertEquals(singleIssuer && !defer && switchedOn("coopTaskrun"),
                    has(flags, IoUring.IORING_SETUP_COOP_TASKRUN), hex(flags));
            assertEquals(Uring.isRegisterRingFdEnabled(), ringFdRegistered);
            assertTrue(has(flags, IoUring.IORING_SETUP_R_DISABLED), "a loop's ring starts disabled: " + hex(flags));
        } finally {
            assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        }
    }

    private static boolean has(int flags, int flag) {
        return (flags & flag) != 0;
    }

    private static String hex(int flags) {
        return "setup flags 0x" + Integer.toHexString(flags);
    }
}
