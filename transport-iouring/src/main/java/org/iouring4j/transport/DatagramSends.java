package org.iouring4j.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.MessageSlots;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;

import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;

/**
 * A datagram channel's sends in flight: one SENDMSG per datagram for the datagrams at the head of the outbound
 * buffer, up to one per msghdr slot, each slot's memory alive until its completion (SENDMSG reads it when it runs).
 *
 * <p>The outbound buffer can only drop its head, so completions are applied in submission order: slot {@code i}
 * serves the {@code i}-th datagram of a ring, a completion marks its slot done, and the done datagrams at the head
 * then leave the buffer, each with its send's outcome (a refused send fails that datagram's promise only). A
 * datagram that cannot be sent at all (no recipient on an unconnected socket, an address of the other family)
 * takes its place in the ring already failed, so it fails in its turn too. Loop thread only.
 */
final class DatagramSends {
    private final int capacity;
    private final int controlBytes;
    private MessageSlots slots;
    /** Per slot: the send's result once done, the datagram's content (kept for a close), a failure found early. */
    private final int[] results;
    private final boolean[] done;
    private final boolean[] submitted;
    private final ByteBuf[] contents;
    private final Throwable[] failures;
    private int head;
    private int count;
    private ChannelOutboundBuffer outbound;
    /** The channel closed with sends in flight: their contents are retained until their completions. */
    private boolean retained;
    private final Collector collector = new Collector();

    DatagramSends(int capacity, int controlBytes) {
        this.capacity = capacity;
        this.controlBytes = controlBytes;
        this.results = new int[capacity];
        this.done = new boolean[capacity];
        this.submitted = new boolean[capacity];
        this.contents = new ByteBuf[capacity];
        this.failures = new Throwable[capacity];
    }

    int inFlight() {
        return count;
    }

    /** Submits sends for the flushed datagrams after those already in flight, as many as there are free slots. */
    void submit(UringDatagramChannel channel, ChannelOutboundBuffer in) throws Exception {
        outbound = in;
        if (slots == null) {
            slots = new MessageSlots(capacity, controlBytes);
            for (int i = 0; i < capacity; i++) {
                slots.acquire(); // slot i serves ring position i: taken once, managed here
            }
        }
        collector.start(channel);
        in.forEachFlushedMessage(collector);
        applyDone(channel);
    }

    /** Walks the flushed datagrams: skips those in flight, sends the next while slots are free. */
    private final class Collector implements ChannelOutboundBuffer.MessageProcessor {
        private UringDatagramChannel channel;
        private int skip;

        void start(UringDatagramChannel channel) {
            this.channel = channel;
            this.skip = count;
        }

        @Override
        public boolean processMessage(Object msg) {
            if (skip > 0) {
                skip--;
                return true;
            }
            return count < capacity && send(channel, msg);
        }
    }

    /** @return whether the datagram took a slot (false: the channel could not queue it; stop for now) */
    private boolean send(UringDatagramChannel channel, Object msg) {
        int slot = (head + count) % capacity;
        ByteBuf content;
        SocketAddress recipient;
        int segmentSize = 0;
        if (msg instanceof AddressedEnvelope) {
            @SuppressWarnings("unchecked")
            AddressedEnvelope<ByteBuf, SocketAddress> envelope = (AddressedEnvelope<ByteBuf, SocketAddress>) msg;
            content = envelope.content();
            recipient = envelope.recipient();
            if (msg instanceof SegmentedDatagramPacket) {
                segmentSize = ((SegmentedDatagramPacket) msg).segmentSize();
            }
        } else {
            content = (ByteBuf) msg;
            recipient = null;
        }
        done[slot] = false;
        submitted[slot] = false;
        failures[slot] = null;
        contents[slot] = content;
        count++;
        try {
            int nameLength = 0;
            if (recipient != null) {
                nameLength = channel.family().write(slots.memory(), slots.nameOffset(slot), recipient);
            } else if (!channel.isConnected()) {
                throw new NotYetConnectedException();
            }
            slots.prepareSend(slot, BufferAddress.of(content, content.readerIndex()), content.readableBytes(),
                    nameLength);
            if (segmentSize > 0) {
                slots.putControlShort(slot, LinuxSocket.IPPROTO_UDP, LinuxSocket.UDP_SEGMENT, (short) segmentSize);
            }
        } catch (RuntimeException e) {
            failures[slot] = e;
            done[slot] = true;
            return true;
        }
        channel.ops.clear().opcode(Opcode.SENDMSG).fd(channel.socketFd()).address(slots.msghdrAddress(slot))
                .length(1).data(slot);
        if (channel.submit() == -1) {
            count--; // not queued: the message stays at its place in the outbound buffer for the next write
            contents[slot] = null;
            return false;
        }
        submitted[slot] = true;
        return true;
    }

    /**
     * The send in {@code slot} completed with {@code res}.
     *
     * @return whether the datagrams done at the head left the outbound buffer (so more may be sent)
     */
    boolean completed(UringDatagramChannel channel, int slot, int res) {
        results[slot] = res;
        done[slot] = true;
        submitted[slot] = false;
        if (retained) {
            contents[slot].release();
        }
        return applyDone(channel);
    }

    private boolean applyDone(UringDatagramChannel channel) {
        boolean removed = false;
        while (count > 0 && done[head]) {
            int slot = head;
            head = (head + 1) % capacity;
            count--; // before remove(): a listener that writes and flushes sees the right count
            done[slot] = false;
            contents[slot] = null;
            Throwable failure = failures[slot];
            failures[slot] = null;
            int res = results[slot];
            if (failure == null && res < 0) {
                failure = res == -Errno.ECANCELED ? new ClosedChannelException()
                        : channel.failure(new NativeIoException(Opcode.name(Opcode.SENDMSG), res));
            }
            if (failure != null) {
                outbound.remove(failure);
            } else {
                outbound.remove();
            }
            removed = true;
        }
        return removed;
    }

    /** Cancels every send in the kernel (a close that must not wait for a socket that takes nothing). */
    void cancelAll(UringDatagramChannel channel) {
        for (int i = 0; i < count; i++) {
            int slot = (head + i) % capacity;
            if (submitted[slot]) {
                channel.cancel(Opcode.SENDMSG, slot);
            }
        }
    }

    /** The channel closes now: Netty releases the flushed datagrams, but the kernel may still read those in flight. */
    void closing() {
        for (int i = 0; i < count; i++) {
            int slot = (head + i) % capacity;
            if (submitted[slot]) {
                contents[slot].retain();
            }
        }
        retained = true;
    }

    /** Frees the slots; once no send refers to them (the channel's fd is closed). */
    void close() {
        if (slots != null) {
            slots.close();
        }
    }
}
