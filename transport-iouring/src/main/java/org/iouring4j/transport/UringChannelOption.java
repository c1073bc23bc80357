package org.iouring4j.transport;

import io.netty.channel.ChannelOption;

/**
 * Linux TCP options of the io_uring channels, beyond Netty's portable {@link ChannelOption}s. Use them like
 * any option: {@code bootstrap.childOption(UringChannelOption.TCP_QUICKACK, true)}.
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

    private UringChannelOption() {
    }

    private static <T> ChannelOption<T> option(String name) {
        return ChannelOption.valueOf(UringChannelOption.class, name);
    }
}
