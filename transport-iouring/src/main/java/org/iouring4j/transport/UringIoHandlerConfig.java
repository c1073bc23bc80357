package org.iouring4j.transport;

import io.netty.util.internal.SystemPropertyUtil;

/**
 * Settings of each {@link UringIoHandler}'s ring. Every setting has a default that can be overridden by a
 * system property (named below), and by the setters here for one factory.
 *
 * <p>{@code singleIssuer} and {@code deferTaskrun} are requests: on a kernel without them (before 6.0 / 6.1)
 * the handler falls back to a ring without them. {@link UringIoHandler#enabledSetupFlags()} tells what a
 * handler really got.
 */
public final class UringIoHandlerConfig {
    private int ringSize = SystemPropertyUtil.getInt("iouring4j.ringSize", 4096);
    private int cqSize = SystemPropertyUtil.getInt("iouring4j.cqSize", 0);
    private boolean sqPoll = SystemPropertyUtil.getBoolean("iouring4j.sqPoll", false);
    private int sqThreadIdleMillis = SystemPropertyUtil.getInt("iouring4j.sqThreadIdleMillis", 1000);
    private int sqThreadCpu = SystemPropertyUtil.getInt("iouring4j.sqThreadCpu", -1);
    private boolean singleIssuer = SystemPropertyUtil.getBoolean("iouring4j.singleIssuer", true);
    private boolean deferTaskrun = SystemPropertyUtil.getBoolean("iouring4j.deferTaskrun", true);
    private int maxCompletionsPerRun = SystemPropertyUtil.getInt("iouring4j.maxCompletionsPerRun", 4096);

    /** SQ entries ({@code iouring4j.ringSize}, default 4096). */
    public int ringSize() {
        return ringSize;
    }

    public UringIoHandlerConfig ringSize(int ringSize) {
        this.ringSize = positive("ringSize", ringSize);
        return this;
    }

    /**
     * CQ entries ({@code iouring4j.cqSize}, default 0 = four times the ring size). Every channel keeps at
     * least one read in flight, so the CQ is sized well above the SQ; overflow loses nothing (the kernel keeps
     * overflowed completions) but costs a flush.
     */
    public int cqSize() {
        return cqSize > 0 ? cqSize : 4 * ringSize;
    }

    public UringIoHandlerConfig cqSize(int cqSize) {
        if (cqSize < 0) {
            throw new IllegalArgumentException("cqSize must not be negative: " + cqSize);
        }
        this.cqSize = cqSize;
        return this;
    }

    /** Whether a kernel thread polls the SQ ({@code iouring4j.sqPoll}, default false). */
    public boolean sqPoll() {
        return sqPoll;
    }

    public UringIoHandlerConfig sqPoll(boolean sqPoll) {
        this.sqPoll = sqPoll;
        return this;
    }

    /** Idle time before the SQPOLL thread sleeps ({@code iouring4j.sqThreadIdleMillis}, default 1000). */
    public int sqThreadIdleMillis() {
        return sqThreadIdleMillis;
    }

    public UringIoHandlerConfig sqThreadIdleMillis(int millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("sqThreadIdleMillis must not be negative: " + millis);
        }
        this.sqThreadIdleMillis = millis;
        return this;
    }

    /** CPU to pin the SQPOLL thread to ({@code iouring4j.sqThreadCpu}, default -1 = none). */
    public int sqThreadCpu() {
        return sqThreadCpu;
    }

    public UringIoHandlerConfig sqThreadCpu(int cpu) {
        this.sqThreadCpu = cpu;
        return this;
    }

    /** Request {@code IORING_SETUP_SINGLE_ISSUER} ({@code iouring4j.singleIssuer}, default true). */
    public boolean singleIssuer() {
        return singleIssuer;
    }

    public UringIoHandlerConfig singleIssuer(boolean singleIssuer) {
        this.singleIssuer = singleIssuer;
        return this;
    }

    /**
     * Request {@code IORING_SETUP_DEFER_TASKRUN} ({@code iouring4j.deferTaskrun}, default true): completion work
     * runs when the loop enters the kernel, not by interrupting it. Needs single issuer; ignored with SQPOLL.
     */
    public boolean deferTaskrun() {
        return deferTaskrun;
    }

    public UringIoHandlerConfig deferTaskrun(boolean deferTaskrun) {
        this.deferTaskrun = deferTaskrun;
        return this;
    }

    /**
     * Most completions handled per loop iteration before tasks get their turn
     * ({@code iouring4j.maxCompletionsPerRun}, default 4096).
     */
    public int maxCompletionsPerRun() {
        return maxCompletionsPerRun;
    }

    public UringIoHandlerConfig maxCompletionsPerRun(int max) {
        this.maxCompletionsPerRun = positive("maxCompletionsPerRun", max);
        return this;
    }

    private static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
        return value;
    }

    /** A copy, so that a factory is not affected by later changes to this config. */
    UringIoHandlerConfig copy() {
        UringIoHandlerConfig c = new UringIoHandlerConfig();
        c.ringSize = ringSize;
        c.cqSize = cqSize;
        c.sqPoll = sqPoll;
        c.sqThreadIdleMillis = sqThreadIdleMillis;
        c.sqThreadCpu = sqThreadCpu;
        c.singleIssuer = singleIssuer;
        c.deferTaskrun = deferTaskrun;
        c.maxCompletionsPerRun = maxCompletionsPerRun;
        return c;
    }

    @Override
    public String toString() {
        return "UringIoHandlerConfig[ringSize=" + ringSize + ", cqSize=" + cqSize() + ", sqPoll=" + sqPoll
                + ", sqThreadIdleMillis=" + sqThreadIdleMillis + ", sqThreadCpu=" + sqThreadCpu
                + ", singleIssuer=" + singleIssuer + ", deferTaskrun=" + deferTaskrun
                + ", maxCompletionsPerRun=" + maxCompletionsPerRun + "]";
    }
}
