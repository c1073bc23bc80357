package org.iouring4j.transport;

import java.util.Arrays;
import java.util.Locale;

/**
 * The op a stream channel's (TCP or Unix) reads become: {@link UringChannelOption#STREAM_READ_MODE}. The default
 * is {@link #MULTISHOT} (which reads as {@link #RECV} where the kernel lacks it), or what the system property
 * {@code iouring4j.streamReadMode} names ({@code recv}, {@code readv} or {@code multishot}). MULTISHOT is the
 * default because it cost the least server CPU per message in the comparison runner's echo scenarios (see the
 * README's comparison); RECV is the mode that sizes every read as the channel's {@code RecvByteBufAllocator} says.
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
    READV,
    /**
     * One multishot RECV per connection, armed while auto-read is on, into buffers of the event loop's
     * provided-buffer ring ({@link UringIoHandlerConfig#bufferRingEntries()} of
     * {@link UringIoHandlerConfig#bufferRingBufferSize()} bytes): no SQE per read, and a connection waiting for data
     * holds no buffer. A receive fills up to one ring buffer, whatever the channel's {@code RecvByteBufAllocator}
     * guesses (as with Netty's buffer rings). With auto-read off, reads are {@link #RECV}s. Where the kernel
     * lacks it (Linux 6.0) or {@code -Diouring4j.bufferRing=false}, and for reads of passed fds, reads are
     * {@link #RECV}.
     */
    MULTISHOT;

    /** The system property naming the default mode. */
    static final String PROPERTY = "iouring4j.streamReadMode";
    /** The mode of a new channel: {@link #MULTISHOT} unless the system property says otherwise. */
    static final StreamReadMode DEFAULT = fromProperty(System.getProperty(PROPERTY));

    /** The mode {@code value} names (case-insensitive); {@link #MULTISHOT} when null. */
    static StreamReadMode fromProperty(String value) {
        if (value == null) {
            return MULTISHOT;
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
