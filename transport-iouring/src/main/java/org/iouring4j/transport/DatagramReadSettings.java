package org.iouring4j.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;

/**
 * The receive settings UDP and Unix datagram channels share, held by each one's config: active before bind
 * ({@code DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION}), the buffer size per datagram and the receive batch.
 */
final class DatagramReadSettings {
    private static final int DEFAULT_RECEIVE_BATCH = 8;

    private final Channel channel;
    private volatile boolean activeOnOpen;
    private volatile int maxDatagramPayloadSize;
    private volatile int receiveBatch = DEFAULT_RECEIVE_BATCH;

    DatagramReadSettings(Channel channel) {
        this.channel = channel;
    }

    /** Whether {@code option} is one of these settings. */
    @SuppressWarnings("deprecation") // DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: deprecated, still Netty's option
    static boolean isSetting(ChannelOption<?> option) {
        return option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION
                || option == UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE
                || option == UringChannelOption.DATAGRAM_RECEIVE_BATCH;
    }

    /** The value of {@code option}, one of these settings ({@link #isSetting}). */
    @SuppressWarnings("deprecation")
    Object get(ChannelOption<?> option) {
        if (option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            return activeOnOpen;
        }
        return option == UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE ? maxDatagramPayloadSize : receiveBatch;
    }

    /** Sets {@code option}, one of these settings ({@link #isSetting}), to {@code value}. */
    @SuppressWarnings("deprecation")
    void set(ChannelOption<?> option, Object value) {
        if (option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            setActiveOnOpen((Boolean) value);
        } else if (option == UringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE) {
            setMaxDatagramPayloadSize((Integer) value);
        } else {
            setReceiveBatch((Integer) value);
        }
    }

    /** Whether the channel is active once registered, before bind or connect. */
    boolean isActiveOnOpen() {
        return activeOnOpen;
    }

    private void setActiveOnOpen(boolean activeOnOpen) {
        if (channel.isRegistered()) {
            throw new IllegalStateException("can only be changed before the channel is registered");
        }
        this.activeOnOpen = activeOnOpen;
    }

    /** The receive buffer size per datagram; 0: the {@link RecvByteBufAllocator}'s guess. */
    int getMaxDatagramPayloadSize() {
        return maxDatagramPayloadSize;
    }

    void setMaxDatagramPayloadSize(int size) {
        if (size < 0 || size > 65535) {
            throw new IllegalArgumentException("maxDatagramPayloadSize must be 0..65535: " + size);
        }
        this.maxDatagramPayloadSize = size;
    }

    /** Receives kept in the kernel while auto-read is on. */
    int getReceiveBatch() {
        return receiveBatch;
    }

    void setReceiveBatch(int batch) {
        if (batch < 1 || batch > AbstractUringDatagramChannel.MAX_RECEIVE_BATCH) {
            throw new IllegalArgumentException("receive batch must be 1.."
                    + AbstractUringDatagramChannel.MAX_RECEIVE_BATCH + ": " + batch);
        }
        this.receiveBatch = batch;
    }
}
