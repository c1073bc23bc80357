package org.iouring4j.transport;

import io.netty.channel.ChannelOption;

/**
 * Linux options of the io_uring channels (TCP and UDP), beyond Netty's portable {@link ChannelOption}s. Use them
 * like any option: {@code bootstrap.childOption(UringChannelOption.TCP_QUICKACK, true)}.
 */
public final class UringChannelOption {
    /** {@code SO_REUSEPORT}: let several sockets bind the same port, the kernel spreading connections. */
    public static final ChannelOption<Boolean> SO_REUSEPORT = option("SO_REUSEPORT");
    /** {@code TCP_CORK}: hold partial frames until uncorked or 200 ms passed. */
    public static final ChannelOption<Boolean> TCP_CORK = option("TCP_CORK");
    /** {@code TCP_QUICKACK}: acknowledge at once instead of delaying ACKs (not sticky in the kernel). */
    public static final ChannelOption<Boolean> TCP_QUICKACK = option("TCP_QUICKACK");
    /** {@code TCP_KEEPIDLE}: seconds of idleness before the first keepalive probe. */
    public static final ChannelOption<Integer> TCP_KEEPIDLE = option("TCP_KEEPIDLE");
    /** {@code TCP_KEEPINTVL}: seconds between keepalive probes. */
    public static final ChannelOption<Integer> TCP_KEEPINTVL = option("TCP_KEEPINTVL");
    /** {@code TCP_KEEPCNT}: unanswered probes before the connection is dropped. */
    public static final ChannelOption<Integer> TCP_KEEPCNT = option("TCP_KEEPCNT");
    /** {@code TCP_USER_TIMEOUT}: milliseconds unacknowledged data may wait before the connection is dropped. */
    public static final ChannelOption<Integer> TCP_USER_TIMEOUT = option("TCP_USER_TIMEOUT");
    /** {@code TCP_NOTSENT_LOWAT}: bytes of unsent data above which the socket stops being writable. */
    public static final ChannelOption<Integer> TCP_NOTSENT_LOWAT = option("TCP_NOTSENT_LOWAT");
    /**
     * {@code TCP_FASTOPEN} on a server: the queue length of pending TFO requests (0 = off). The same option as
     * Netty's {@link ChannelOption#TCP_FASTOPEN}, named here too so all Linux options are in one place.
     */
    public static final ChannelOption<Integer> TCP_FASTOPEN = ChannelOption.TCP_FASTOPEN;
    /**
     * {@code TCP_FASTOPEN_CONNECT} on a client: send data in the SYN when a TFO cookie is known. The same option
     * as Netty's {@link ChannelOption#TCP_FASTOPEN_CONNECT}.
     */
    public static final ChannelOption<Boolean> TCP_FASTOPEN_CONNECT = ChannelOption.TCP_FASTOPEN_CONNECT;

    /**
     * {@code TCP_DEFER_ACCEPT} on a server: seconds a connection may stay without data before it is accepted
     * anyway; until its first data arrives (or that time passes), the server does not see it (0 = off). The kernel
     * counts in SYN-ACK retransmissions (1, 2, 4, ... s), so the option reads back as the end of the period the
     * seconds fall in: 5 reads back as 7.
     */
    public static final ChannelOption<Integer> TCP_DEFER_ACCEPT = option("TCP_DEFER_ACCEPT");

    /**
     * {@code IP_FREEBIND} (TCP server and client channels, UDP channels): bind to an address that is not (yet)
     * local, e.g. one an interface will get later.
     */
    public static final ChannelOption<Boolean> IP_FREEBIND = option("IP_FREEBIND");
    /**
     * {@code IP_TRANSPARENT} (TCP server and client channels, UDP channels): bind to and send from any address, as a
     * transparent proxy does. Needs {@code CAP_NET_ADMIN} or {@code CAP_NET_RAW}: without, setting it fails with a
     * {@code ChannelException} whose cause is {@code setsockopt(IP_TRANSPARENT) failed: EPERM}.
     */
    public static final ChannelOption<Boolean> IP_TRANSPARENT = option("IP_TRANSPARENT");
    /**
     * {@code IP_RECVORIGDSTADDR} on a datagram channel: each received {@code DatagramPacket}'s recipient is the
     * datagram's original destination (as a transparent proxy needs), not the channel's local address.
     */
    public static final ChannelOption<Boolean> IP_RECVORIGDSTADDR = option("IP_RECVORIGDSTADDR");
    /**
     * The largest datagram a datagram channel expects: each receive buffer is this big (0, the default: sized by
     * the channel's {@code RecvByteBufAllocator}, 2048 bytes unless changed). A longer datagram is cut to the
     * buffer, as on Netty's other transports.
     */
    public static final ChannelOption<Integer> MAX_DATAGRAM_PAYLOAD_SIZE = option("MAX_DATAGRAM_PAYLOAD_SIZE");
    /**
     * How many receives a datagram channel keeps in the kernel while auto-read is on (default 8): a burst is
     * taken up without a round trip through the loop per datagram.
     */
    public static final ChannelOption<Integer> DATAGRAM_RECEIVE_BATCH = option("DATAGRAM_RECEIVE_BATCH");

    /**
     * The op a stream channel's (TCP or Unix) reads become: {@link StreamReadMode#MULTISHOT} receives into the loop's
     * provided-buffer ring (the default, or what the system property {@code iouring4j.streamReadMode} names),
     * {@link StreamReadMode#RECV} into buffers the channel's allocator sizes, or {@link StreamReadMode#READV}
     * scatter reads.
     */
    public static final ChannelOption<StreamReadMode> STREAM_READ_MODE = option("STREAM_READ_MODE");
    /**
     * Zero-copy sends on a stream channel: a write of one contiguous buffer of at least this many bytes is a
     * {@code SEND_ZC} (Linux 6.0), which sends from the buffer's pages instead of copying them into the socket; the
     * buffer is released once the kernel says it is done with it, which may be after the write's promise
     * completed. {@code -1}, the default: off; {@code 0}: every such write. A write gathering several buffers stays
     * a copying WRITEV. Where the kernel lacks SEND_ZC (or {@code -Diouring4j.sendZc=false}) the option is
     * ignored, and a socket that cannot send zero copy (a Unix socket) is sent to by copy after its first refusal.
     * Zero copy pays for large writes to a network device; on loopback the receiver copies anyway.
     */
    public static final ChannelOption<Integer> SEND_ZC_THRESHOLD = option("SEND_ZC_THRESHOLD");

    private UringChannelOption() {
    }

    private static <T> ChannelOption<T> option(String name) {
        return ChannelOption.valueOf(UringChannelOption.class, name);
    }
}
