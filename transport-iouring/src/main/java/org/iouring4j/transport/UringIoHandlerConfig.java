package org.iouring4j.transport;

import io.netty.util.internal.SystemPropertyUtil;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;

/**
 * Settings of each {@link UringIoHandler}'s ring. Every setting has a default that can be overridden by a
 * system property (named below), and by the setters here for one factory.
 *
 * <p>A setter refuses a value out of its range at once. A system property is only read here, and checked when
 * {@link UringIoHandler#newFactory(UringIoHandlerConfig)} takes the config, together with the combinations that
 * cannot work ({@code sqThreadCpu} without {@code sqPoll}, a {@code cqSize} smaller than the {@code ringSize}):
 * the {@link IllegalArgumentException} names the setting, where its value came from (setter or system property)
 * and the allowed range. A malformed property ({@code -Diouring4j.ringSize=abc}) is such an error too, never a
 * silent fall-back to the default.
 *
 * <p>{@code singleIssuer} and {@code deferTaskrun} are requests: on a kernel without them (before 6.0 / 6.1)
 * the handler falls back to a ring without them, and {@code deferTaskrun} only applies with {@code singleIssuer}
 * and without {@code sqPoll} (see {@link #deferTaskrun()}). {@link UringIoHandler#enabledSetupFlags()} tells what
 * a handler really got.
 */
public final class UringIoHandlerConfig {
    /** {@code IORING_MAX_ENTRIES}: io_uring_setup(2) fails with EINVAL above it (without CLAMP). */
    private static final int MAX_SQ_ENTRIES = 32768;
    /** {@code IORING_MAX_CQ_ENTRIES}: the same for {@code cq_entries} with {@code IORING_SETUP_CQSIZE}. */
    private static final int MAX_CQ_ENTRIES = 2 * MAX_SQ_ENTRIES;

    /**
     * Each setting's name, system property and allowed range, so that a setter and {@link #validate()} check a
     * value in one place and word the error the same way.
     */
    private enum Setting {
        RING_SIZE("ringSize", 1, MAX_SQ_ENTRIES,
                "1.." + MAX_SQ_ENTRIES + " (IORING_MAX_ENTRIES; the kernel rounds it up to a power of two)"),
        CQ_SIZE("cqSize", 0, MAX_CQ_ENTRIES, "0 (the default: 4 x ringSize, at most " + MAX_CQ_ENTRIES
                + ") or ringSize.." + MAX_CQ_ENTRIES + " (IORING_MAX_CQ_ENTRIES)"),
        SQ_POLL("sqPoll"),
        SQ_THREAD_IDLE_MILLIS("sqThreadIdleMillis", 0, Integer.MAX_VALUE, "0 or more"),
        // No upper bound: CPU numbers are sparse under affinity masks and hotplug, so the kernel judges them.
        SQ_THREAD_CPU("sqThreadCpu", -1, Integer.MAX_VALUE, "-1 (not pinned) or a CPU number, 0 or more"),
        SINGLE_ISSUER("singleIssuer"),
        DEFER_TASKRUN("deferTaskrun"),
        MAX_COMPLETIONS_PER_RUN("maxCompletionsPerRun", 1, Integer.MAX_VALUE,
                "1 or more (with 0 the loop would never reap a completion)"),
        BUFFER_RING_ENTRIES("bufferRingEntries", 1, 32768, "a power of two from 1 to 32768 (the kernel's limit)"),
        BUFFER_RING_BUFFER_SIZE("bufferRingBufferSize", 1, 1 << 24, "1 to 16777216 bytes");

        final String key;
        final String property;
        final boolean bool;
        final int min;
        final int max;
        final String range;

        Setting(String key) {
            this(key, true, 0, 1, "true or false");
        }

        Setting(String key, int min, int max, String range) {
            this(key, false, min, max, range);
        }

        Setting(String key, boolean bool, int min, int max, String range) {
            this.key = key;
            this.property = "iouring4j." + key;
            this.bool = bool;
            this.min = min;
            this.max = max;
            this.range = range;
        }
    }

    // Where each value came from, so that an error points at what the user has to fix: a setter call or a property.
    private final EnumSet<Setting> setBySetter = EnumSet.noneOf(Setting.class);
    private final EnumMap<Setting, String> propertyText = new EnumMap<>(Setting.class);
    private final EnumSet<Setting> malformed = EnumSet.noneOf(Setting.class);

    private int ringSize;
    private int cqSize;
    private boolean sqPoll;
    private int sqThreadIdleMillis;
    private int sqThreadCpu;
    private boolean singleIssuer;
    private boolean deferTaskrun;
    private int maxCompletionsPerRun;
    private int bufferRingEntries;
    private int bufferRingBufferSize;

    /**
     * A config holding the defaults, each overridden by its system property when set. Properties are not
     * checked here but by the factory, so that a setter can still replace a bad one.
     */
    public UringIoHandlerConfig() {
        ringSize = intProperty(Setting.RING_SIZE, 4096);
        cqSize = intProperty(Setting.CQ_SIZE, 0);
        sqPoll = booleanProperty(Setting.SQ_POLL, false);
        sqThreadIdleMillis = intProperty(Setting.SQ_THREAD_IDLE_MILLIS, 1000);
        sqThreadCpu = intProperty(Setting.SQ_THREAD_CPU, -1);
        singleIssuer = booleanProperty(Setting.SINGLE_ISSUER, true);
        deferTaskrun = booleanProperty(Setting.DEFER_TASKRUN, true);
        maxCompletionsPerRun = intProperty(Setting.MAX_COMPLETIONS_PER_RUN, 4096);
        bufferRingEntries = intProperty(Setting.BUFFER_RING_ENTRIES, 128);
        bufferRingBufferSize = intProperty(Setting.BUFFER_RING_BUFFER_SIZE, 16384);
    }

    private UringIoHandlerConfig(UringIoHandlerConfig from) {
        setBySetter.addAll(from.setBySetter);
        propertyText.putAll(from.propertyText);
        malformed.addAll(from.malformed);
        ringSize = from.ringSize;
        cqSize = from.cqSize;
        sqPoll = from.sqPoll;
        sqThreadIdleMillis = from.sqThreadIdleMillis;
        sqThreadCpu = from.sqThreadCpu;
        singleIssuer = from.singleIssuer;
        deferTaskrun = from.deferTaskrun;
        maxCompletionsPerRun = from.maxCompletionsPerRun;
        bufferRingEntries = from.bufferRingEntries;
        bufferRingBufferSize = from.bufferRingBufferSize;
    }

    /** SQ entries ({@code iouring4j.ringSize}, default 4096; the kernel rounds up to a power of two). */
    public int ringSize() {
        return ringSize;
    }

    /**
     * Sets the SQ entries.
     *
     * @param ringSize 1 to 32768 ({@code IORING_MAX_ENTRIES})
     * @throws IllegalArgumentException when out of that range
     */
    public UringIoHandlerConfig ringSize(int ringSize) {
        this.ringSize = set(Setting.RING_SIZE, ringSize);
        return this;
    }

    /**
     * CQ entries ({@code iouring4j.cqSize}, default 0 = four times the ring size, at most 65536). Every channel
     * keeps at least one read in flight, so the CQ is sized well above the SQ; overflow loses nothing (the kernel
     * keeps overflowed completions) but costs a flush. Returns the effective size, never 0.
     */
    public int cqSize() {
        return cqSize > 0 ? cqSize : (int) Math.min(4L * ringSize, MAX_CQ_ENTRIES);
    }

    /**
     * Sets the CQ entries.
     *
     * @param cqSize 0 for the default, or {@link #ringSize()} to 65536 ({@code IORING_MAX_CQ_ENTRIES}); the
     *               kernel refuses a CQ smaller than the SQ, which the factory checks once both are known
     * @throws IllegalArgumentException when out of 0..65536
     */
    public UringIoHandlerConfig cqSize(int cqSize) {
        this.cqSize = set(Setting.CQ_SIZE, cqSize);
        return this;
    }

    /** Whether a kernel thread polls the SQ ({@code iouring4j.sqPoll}, default false). */
    public boolean sqPoll() {
        return sqPoll;
    }

    /** Sets whether a kernel thread polls the SQ ({@code IORING_SETUP_SQPOLL}). */
    public UringIoHandlerConfig sqPoll(boolean sqPoll) {
        this.sqPoll = set(Setting.SQ_POLL, sqPoll);
        return this;
    }

    /**
     * Idle time before the SQPOLL thread sleeps ({@code iouring4j.sqThreadIdleMillis}, default 1000). Only used
     * with {@link #sqPoll()}.
     */
    public int sqThreadIdleMillis() {
        return sqThreadIdleMillis;
    }

    /**
     * Sets the idle time before the SQPOLL thread sleeps.
     *
     * @param millis 0 or more
     * @throws IllegalArgumentException when negative
     */
    public UringIoHandlerConfig sqThreadIdleMillis(int millis) {
        this.sqThreadIdleMillis = set(Setting.SQ_THREAD_IDLE_MILLIS, millis);
        return this;
    }

    /** CPU to pin the SQPOLL thread to ({@code iouring4j.sqThreadCpu}, default -1 = none). */
    public int sqThreadCpu() {
        return sqThreadCpu;
    }

    /**
     * Sets the CPU the SQPOLL thread is pinned to ({@code IORING_SETUP_SQ_AFF}); needs {@link #sqPoll()}, which
     * the factory checks. A CPU outside the thread's affinity mask is reported by the kernel when the ring is set up.
     *
     * @param cpu -1 for none, or a CPU number, 0 or more
     * @throws IllegalArgumentException when below -1
     */
    public UringIoHandlerConfig sqThreadCpu(int cpu) {
        this.sqThreadCpu = set(Setting.SQ_THREAD_CPU, cpu);
        return this;
    }

    /** Request {@code IORING_SETUP_SINGLE_ISSUER} ({@code iouring4j.singleIssuer}, default true). */
    public boolean singleIssuer() {
        return singleIssuer;
    }

    /** Sets whether to request {@code IORING_SETUP_SINGLE_ISSUER}. */
    public UringIoHandlerConfig singleIssuer(boolean singleIssuer) {
        this.singleIssuer = set(Setting.SINGLE_ISSUER, singleIssuer);
        return this;
    }

    /**
     * Request {@code IORING_SETUP_DEFER_TASKRUN} ({@code iouring4j.deferTaskrun}, default true): completion work
     * runs when the loop enters the kernel, not by interrupting it. It needs {@link #singleIssuer()} and does not
     * apply with {@link #sqPoll()} (the SQPOLL thread, not the loop, runs that work). Because it is on by default,
     * turning {@code singleIssuer} off or {@code sqPoll} on is not refused: the request is then simply not made.
     * This returns what was asked; the handler uses the effective value.
     */
    public boolean deferTaskrun() {
        return deferTaskrun;
    }

    /** Sets whether to request {@code IORING_SETUP_DEFER_TASKRUN}; see {@link #deferTaskrun()} for when it applies. */
    public UringIoHandlerConfig deferTaskrun(boolean deferTaskrun) {
        this.deferTaskrun = set(Setting.DEFER_TASKRUN, deferTaskrun);
        return this;
    }

    /**
     * Whether {@code IORING_SETUP_DEFER_TASKRUN} is requested from the kernel: {@link #deferTaskrun()} with
     * {@link #singleIssuer()} and without {@link #sqPoll()}. The kernel may still lack it; see
     * {@link UringIoHandler#enabledSetupFlags()}.
     */
    boolean effectiveDeferTaskrun() {
        return deferTaskrun && singleIssuer && !sqPoll;
    }

    /**
     * Most completions handled per loop iteration before tasks get their turn
     * ({@code iouring4j.maxCompletionsPerRun}, default 4096).
     */
    public int maxCompletionsPerRun() {
        return maxCompletionsPerRun;
    }

    /**
     * Sets the most completions handled per loop iteration.
     *
     * @param max 1 or more
     * @throws IllegalArgumentException when below 1
     */
    public UringIoHandlerConfig maxCompletionsPerRun(int max) {
        this.maxCompletionsPerRun = set(Setting.MAX_COMPLETIONS_PER_RUN, max);
        return this;
    }

    /**
     * Buffers in the loop's provided-buffer ring ({@code iouring4j.bufferRingEntries}, default 128), which the
     * stream channels in {@link StreamReadMode#MULTISHOT} receive into. The ring is set up when the first such
     * channel reads; until then the loop holds none of this memory.
     */
    public int bufferRingEntries() {
        return bufferRingEntries;
    }

    /**
     * Sets the buffers in the loop's provided-buffer ring.
     *
     * @param entries a power of two from 1 to 32768
     * @throws IllegalArgumentException otherwise
     */
    public UringIoHandlerConfig bufferRingEntries(int entries) {
        this.bufferRingEntries = set(Setting.BUFFER_RING_ENTRIES, entries);
        powerOfTwo(Setting.BUFFER_RING_ENTRIES, entries, "bufferRingEntries=" + entries);
        return this;
    }

    /**
     * Size of each buffer of the loop's provided-buffer ring ({@code iouring4j.bufferRingBufferSize}, default 16384
     * bytes): the most one receive of a {@link StreamReadMode#MULTISHOT} channel delivers.
     */
    public int bufferRingBufferSize() {
        return bufferRingBufferSize;
    }

    /**
     * Sets the size of each buffer of the loop's provided-buffer ring.
     *
     * @param bytes 1 to 16 MiB
     * @throws IllegalArgumentException otherwise
     */
    public UringIoHandlerConfig bufferRingBufferSize(int bytes) {
        this.bufferRingBufferSize = set(Setting.BUFFER_RING_BUFFER_SIZE, bytes);
        return this;
    }

    /**
     * Refuses a config that cannot work: a malformed or out-of-range system property, or a combination the kernel
     * rejects or that would be silently ignored. Setter values were checked alone already; they are checked again
     * here only in combination.
     *
     * @throws IllegalArgumentException naming the setting, its source, the value and what is allowed
     */
    void validate() {
        for (Setting s : malformed) {
            if (!setBySetter.contains(s)) {
                throw new IllegalArgumentException(source(s, null) + " is not " + (s.bool ? "a boolean" : "a number")
                        + ": " + s.key + " must be " + s.range);
            }
        }
        inRange(Setting.RING_SIZE, ringSize, source(Setting.RING_SIZE, ringSize));
        inRange(Setting.CQ_SIZE, cqSize, source(Setting.CQ_SIZE, cqSize));
        inRange(Setting.SQ_THREAD_IDLE_MILLIS, sqThreadIdleMillis,
                source(Setting.SQ_THREAD_IDLE_MILLIS, sqThreadIdleMillis));
        inRange(Setting.SQ_THREAD_CPU, sqThreadCpu, source(Setting.SQ_THREAD_CPU, sqThreadCpu));
        inRange(Setting.MAX_COMPLETIONS_PER_RUN, maxCompletionsPerRun,
                source(Setting.MAX_COMPLETIONS_PER_RUN, maxCompletionsPerRun));
        String entriesSource = source(Setting.BUFFER_RING_ENTRIES, bufferRingEntries);
        inRange(Setting.BUFFER_RING_ENTRIES, bufferRingEntries, entriesSource);
        powerOfTwo(Setting.BUFFER_RING_ENTRIES, bufferRingEntries, entriesSource);
        inRange(Setting.BUFFER_RING_BUFFER_SIZE, bufferRingBufferSize,
                source(Setting.BUFFER_RING_BUFFER_SIZE, bufferRingBufferSize));
        if (cqSize != 0 && cqSize < ringSize) {
            throw new IllegalArgumentException(source(Setting.CQ_SIZE, cqSize) + " is smaller than "
                    + source(Setting.RING_SIZE, ringSize) + ": io_uring_setup refuses a CQ smaller than the SQ"
                    + " (EINVAL); cqSize must be " + Setting.CQ_SIZE.range);
        }
        if (sqThreadCpu >= 0 && !sqPoll) {
            throw new IllegalArgumentException(source(Setting.SQ_THREAD_CPU, sqThreadCpu) + " needs sqPoll, but "
                    + source(Setting.SQ_POLL, false) + ": only the SQPOLL kernel thread can be pinned to a CPU;"
                    + " set sqPoll to true or sqThreadCpu to -1");
        }
    }

    /** Checks a setter's argument, then records that the setting no longer comes from its property. */
    private int set(Setting s, int value) {
        inRange(s, value, s.key + "=" + value);
        setBySetter.add(s);
        return value;
    }

    private boolean set(Setting s, boolean value) {
        setBySetter.add(s);
        return value;
    }

    private static void inRange(Setting s, int value, String source) {
        if (value < s.min || value > s.max) {
            throw new IllegalArgumentException(source + " is out of range: " + s.key + " must be " + s.range);
        }
    }

    private static void powerOfTwo(Setting s, int value, String source) {
        if (Integer.bitCount(value) != 1) {
            throw new IllegalArgumentException(source + " is not a power of two: " + s.key + " must be " + s.range);
        }
    }

    /**
     * How an error names a value: {@code ringSize=7} when a setter gave it, {@code system property
     * iouring4j.ringSize=abc} (its text as written) when a property did, {@code sqPoll=false (default)} otherwise.
     */
    private String source(Setting s, Object value) {
        if (setBySetter.contains(s)) {
            return s.key + "=" + value;
        }
        String text = propertyText.get(s);
        return text != null ? "system property " + s.property + "=" + text : s.key + "=" + value + " (default)";
    }

    /**
     * Parses here rather than with {@link SystemPropertyUtil#getInt}, which falls back to the default on a
     * malformed value with only a log line: {@link #validate()} turns that into an error instead.
     */
    private int intProperty(Setting s, int def) {
        String text = property(s);
        if (text == null) {
            return def;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            malformed.add(s);
            return def;
        }
    }

    /**
     * Accepts what {@link SystemPropertyUtil#getBoolean} does (an empty value means true); anything else is
     * malformed rather than the default.
     */
    private boolean booleanProperty(Setting s, boolean def) {
        String text = property(s);
        if (text == null) {
            return def;
        }
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "", "true", "yes", "1" -> {
                return true;
            }
            case "false", "no", "0" -> {
                return false;
            }
            default -> {
                malformed.add(s);
                return def;
            }
        }
    }

    private String property(Setting s) {
        String text = SystemPropertyUtil.get(s.property);
        if (text != null) {
            propertyText.put(s, text);
        }
        return text;
    }

    /** A copy, so that a factory is not affected by later changes to this config. */
    UringIoHandlerConfig copy() {
        return new UringIoHandlerConfig(this);
    }

    @Override
    public String toString() {
        return "UringIoHandlerConfig[ringSize=" + ringSize + ", cqSize=" + cqSize() + ", sqPoll=" + sqPoll
                + ", sqThreadIdleMillis=" + sqThreadIdleMillis + ", sqThreadCpu=" + sqThreadCpu
                + ", singleIssuer=" + singleIssuer + ", deferTaskrun=" + deferTaskrun
                + (deferTaskrun != effectiveDeferTaskrun() ? " (not requested: needs singleIssuer, not sqPoll)" : "")
                + ", maxCompletionsPerRun=" + maxCompletionsPerRun + ", bufferRingEntries=" + bufferRingEntries
                + ", bufferRingBufferSize=" + bufferRingBufferSize + "]";
    }
}
