package org.iouring4j.transport;

import java.util.Arrays;
import java.util.Locale;

/**
 * The op a stream channel's (TCP or Unix) reads become: {@link UringChannelOption#STREAM_READ_MODE}. The default
 * is {@link #RECV}, or what the system property {@code iouring4j.streamReadMode} names ({@code recv} or
 * {@code readv}).
 */
public enum StreamReadMode {
    /**
     * One RECV into one buffer per read: the shortest kernel path for a single buffer ({@code sock_recvmsg}
     * directly), and the kernel says whether more data is queued ({@code IORING_CQE_F_SOCK_NONEMPTY}).
     */
    RECV,
    /**
     * READV scatter reads: a read loop's first read (the one that waits for data) fills one buffer; while the
     * reads fill every buffer they were given, the next one scatters into twice as many (up to 16) of the size the
     * channel's {@code RecvByteBufAllocator} guesses, so a large stream comes in with fewer ops. Each filled buffer
     * is one {@code channelRead}.
     */
    READV;

    /** The system property naming the default mode. */
    static final String PROPERTY = "iouring4j.streamReadMode";
    /** The mode of a new channel: {@link #RECV} unless the system property says otherwise. */
    static final StreamReadMode DEFAULT = fromProperty(System.getProperty(PROPERTY));

    /** The mode {@code value} names (case-insensitive); {@link #RECV} when null. */
    static StreamReadMode fromProperty(String value) {
        if (value == null) {
            return RECV;
        }
        for (StreamReadMode mode : values()) {
            if (mode.name().equalsIgnoreCase(value.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("system property " + PROPERTY + "=" + value
                + ": expected one of " + Arrays.toString(values()).toLowerCase(Locale.ROOT));
    }
}
