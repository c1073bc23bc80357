package org.iouring4j.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every setting refuses a bad value with a message naming the setting, where the value came from, the value and
 * the allowed range, whether it came from a setter or a system property. Pure unit tests: no ring, no event loop.
 */
class UringIoHandlerConfigTest {
    private final List<String> propertiesSet = new ArrayList<>();

    @AfterEach
    void clearProperties() {
        propertiesSet.forEach(System::clearProperty);
    }

    /** A fresh config after setting {@code iouring4j.<name>}, which is cleared after the test. */
    private UringIoHandlerConfig withProperty(String name, String value) {
        String key = "iouring4j." + name;
        propertiesSet.add(key);
        System.setProperty(key, value);
        return new UringIoHandlerConfig();
    }

    private static String refused(Executable executable) {
        return assertThrows(IllegalArgumentException.class, executable).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "'" + part + "' missing from: " + message);
        }
    }

    @Test
    void defaultsValidate() {
        UringIoHandlerConfig config = new UringIoHandlerConfig();
        config.validate();
        assertEquals(4096, config.ringSize());
        assertEquals(4 * 4096, config.cqSize());
        assertEquals(4096, config.maxCompletionsPerRun());
    }

    @Test
    void ringSizeSetterRefusesOutOfRange() {
        assertMentions(refused(() -> new UringIoHandlerConfig().ringSize(0)), "ringSize=0", "1..32768");
        assertMentions(refused(() -> new UringIoHandlerConfig().ringSize(32769)), "ringSize=32769", "1..32768");
    }

    @Test
    void ringSizePropertyOutOfRangeIsRefused() {
        UringIoHandlerConfig config = withProperty("ringSize", "100000");
        assertMentions(refused(config::validate), "system property iouring4j.ringSize=100000", "1..32768");
    }

    @Test
    void ringSizePropertyNotANumberIsRefusedNotDefaulted() {
        UringIoHandlerConfig config = withProperty("ringSize", "abc");
        assertMentions(refused(config::validate), "system property iouring4j.ringSize=abc", "not a number",
                "1..32768");
    }

    @Test
    void ringSizeBoundariesValidate() {
        UringIoHandlerConfig smallest = new UringIoHandlerConfig().ringSize(1);
        smallest.validate();
        assertEquals(4, smallest.cqSize());
        UringIoHandlerConfig largest = new UringIoHandlerConfig().ringSize(32768);
        largest.validate();
        assertEquals(65536, largest.cqSize(), "the default CQ is capped at IORING_MAX_CQ_ENTRIES");
    }

    @Test
    void cqSizeSetterRefusesOutOfRange() {
        assertMentions(refused(() -> new UringIoHandlerConfig().cqSize(-1)), "cqSize=-1", "ringSize..65536");
        assertMentions(refused(() -> new UringIoHandlerConfig().cqSize(65537)), "cqSize=65537", "ringSize..65536");
    }

    @Test
    void cqSizePropertyOutOfRangeIsRefused() {
        UringIoHandlerConfig config = withProperty("cqSize", "1048576");
        assertMentions(refused(config::validate), "system property iouring4j.cqSize=1048576", "ringSize..65536");
    }

    @Test
    void cqSizeSmallerThanRingSizeIsRefused() {
        UringIoHandlerConfig config = new UringIoHandlerConfig().ringSize(256).cqSize(128);
        assertMentions(refused(config::validate), "cqSize=128", "smaller than ringSize=256", "ringSize..65536");
    }

    @Test
    void cqSizePropertySmallerThanDefaultRingSizeIsRefused() {
        UringIoHandlerConfig config = withProperty("cqSize", "1024");
        assertMentions(refused(config::validate), "system property iouring4j.cqSize=1024",
                "smaller than ringSize=4096 (default)");
    }

    @Test
    void cqSizeBoundariesValidate() {
        new UringIoHandlerConfig().ringSize(256).cqSize(256).validate();
        UringIoHandlerConfig largest = new UringIoHandlerConfig().ringSize(32768).cqSize(65536);
        largest.validate();
        assertEquals(65536, largest.cqSize());
        UringIoHandlerConfig byDefault = new UringIoHandlerConfig().ringSize(8).cqSize(0);
        byDefault.validate();
        assertEquals(32, byDefault.cqSize(), "0 restores the default of four times the ring size");
    }

    @Test
    void sqPollPropertyNotABooleanIsRefused() {
        UringIoHandlerConfig config = withProperty("sqPoll", "maybe");
        assertMentions(refused(config::validate), "system property iouring4j.sqPoll=maybe", "not a boolean",
                "true or false");
    }

    @Test
    void sqPollEmptyPropertyMeansTrueAsNettyReadsIt() {
        UringIoHandlerConfig config = withProperty("sqPoll", "");
        config.validate();
        assertTrue(config.sqPoll());
    }

    @Test
    void sqThreadIdleMillisSetterRefusesNegative() {
        assertMentions(refused(() -> new UringIoHandlerConfig().sqThreadIdleMillis(-1)), "sqThreadIdleMillis=-1",
                "0 or more");
        new UringIoHandlerConfig().sqPoll(true).sqThreadIdleMillis(0).validate();
    }

    @Test
    void sqThreadIdleMillisPropertyNegativeIsRefused() {
        UringIoHandlerConfig config = withProperty("sqThreadIdleMillis", "-5");
        assertMentions(refused(config::validate), "system property iouring4j.sqThreadIdleMillis=-5", "0 or more");
    }

    @Test
    void sqThreadCpuSetterRefusesBelowMinusOne() {
        assertMentions(refused(() -> new UringIoHandlerConfig().sqThreadCpu(-2)), "sqThreadCpu=-2",
                "-1 (not pinned) or a CPU number");
    }

    @Test
    void sqThreadCpuPropertyNotANumberIsRefused() {
        UringIoHandlerConfig config = withProperty("sqThreadCpu", "first");
        assertMentions(refused(config::validate), "system property iouring4j.sqThreadCpu=first", "not a number",
                "-1 (not pinned)");
    }

    @Test
    void sqThreadCpuWithoutSqPollIsRefused() {
        UringIoHandlerConfig config = new UringIoHandlerConfig().sqThreadCpu(0);
        assertMentions(refused(config::validate), "sqThreadCpu=0", "needs sqPoll", "sqPoll=false (default)");
        UringIoHandlerConfig fromProperty = withProperty("sqThreadCpu", "1");
        assertMentions(refused(fromProperty::validate), "system property iouring4j.sqThreadCpu=1", "needs sqPoll");
        new UringIoHandlerConfig().sqPoll(true).sqThreadCpu(0).validate();
    }

    @Test
    void singleIssuerPropertyNotABooleanIsRefused() {
        UringIoHandlerConfig config = withProperty("singleIssuer", "on");
        assertMentions(refused(config::validate), "system property iouring4j.singleIssuer=on", "true or false");
    }

    @Test
    void deferTaskrunPropertyNotABooleanIsRefused() {
        UringIoHandlerConfig config = withProperty("deferTaskrun", "sometimes");
        assertMentions(refused(config::validate), "system property iouring4j.deferTaskrun=sometimes",
                "true or false");
    }

    /**
     * Both are on by default, so sqPoll alone or singleIssuer off must still validate; the request is dropped.
     * (Set explicitly: the build also runs these tests with both properties false.)
     */
    @Test
    void deferTaskrunIsExplainedNotRefusedWhereItCannotApply() {
        assertTrue(requested().effectiveDeferTaskrun());
        UringIoHandlerConfig sqPoll = requested().sqPoll(true);
        sqPoll.validate();
        assertTrue(sqPoll.deferTaskrun(), "the getter returns what was asked");
        assertFalse(sqPoll.effectiveDeferTaskrun());
        assertMentions(sqPoll.toString(), "deferTaskrun=true (not requested");
        UringIoHandlerConfig multiIssuer = requested().singleIssuer(false);
        multiIssuer.validate();
        assertFalse(multiIssuer.effectiveDeferTaskrun());
        assertFalse(new UringIoHandlerConfig().deferTaskrun(false).effectiveDeferTaskrun());
    }

    private static UringIoHandlerConfig requested() {
        return new UringIoHandlerConfig().singleIssuer(true).deferTaskrun(true);
    }

    @Test
    void maxCompletionsPerRunSetterRefusesZero() {
        assertMentions(refused(() -> new UringIoHandlerConfig().maxCompletionsPerRun(0)), "maxCompletionsPerRun=0",
                "1 or more");
        new UringIoHandlerConfig().maxCompletionsPerRun(1).validate();
    }

    @Test
    void maxCompletionsPerRunPropertyZeroIsRefused() {
        UringIoHandlerConfig config = withProperty("maxCompletionsPerRun", "0");
        assertMentions(refused(config::validate), "iouring4j.maxCompletionsPerRun=0", "1 or more");
    }

    @Test
    void bufferRingEntriesMustBeAPowerOfTwo() {
        assertMentions(refused(() -> new UringIoHandlerConfig().bufferRingEntries(100)), "bufferRingEntries=100",
                "power of two");
        assertMentions(refused(() -> new UringIoHandlerConfig().bufferRingEntries(65536)), "bufferRingEntries=65536",
                "32768");
        UringIoHandlerConfig config = withProperty("bufferRingEntries", "48");
        assertMentions(refused(config::validate), "iouring4j.bufferRingEntries=48", "power of two");
        assertEquals(256, new UringIoHandlerConfig().bufferRingEntries(256).bufferRingEntries());
    }

    @Test
    void bufferRingBufferSizeMustBePositive() {
        assertMentions(refused(() -> new UringIoHandlerConfig().bufferRingBufferSize(0)), "bufferRingBufferSize=0",
                "1 to 16777216");
        assertEquals(128, new UringIoHandlerConfig().bufferRingEntries());
        assertEquals(16384, new UringIoHandlerConfig().bufferRingBufferSize());
    }

    @Test
    void setterReplacesABadProperty() {
        UringIoHandlerConfig config = withProperty("maxCompletionsPerRun", "lots").maxCompletionsPerRun(64);
        config.validate();
        assertEquals(64, config.maxCompletionsPerRun());
    }

    @Test
    void copyKeepsWhereEachValueCameFrom() {
        UringIoHandlerConfig config = withProperty("ringSize", "abc");
        System.clearProperty("iouring4j.ringSize");
        assertMentions(refused(config.copy()::validate), "system property iouring4j.ringSize=abc");
        UringIoHandlerConfig set = new UringIoHandlerConfig().ringSize(64).cqSize(32);
        assertMentions(refused(set.copy()::validate), "cqSize=32 is smaller than ringSize=64");
    }
}
