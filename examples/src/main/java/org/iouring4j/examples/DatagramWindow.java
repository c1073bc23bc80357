package org.iouring4j.examples;

/**
 * The datagrams one {@link UdpEchoClient} socket has in flight: a fixed number of slots, each holding at most one
 * datagram, with the time it was sent. An echo frees its slot; so does a datagram that waited too long, which is
 * then lost, so that a lost datagram never holds its slot, and the window, for good.
 *
 * <p>Each slot numbers its datagrams {@code slot}, {@code slot + slots}, {@code slot + 2 * slots}, …: a sequence
 * number names its slot ({@code seq % slots}) without a lookup, and a datagram sent in place of a lost one never
 * reuses its number, so a late echo of the lost one is told apart from the echo of its replacement.
 *
 * <p>Preallocated, and nothing allocated per datagram; not thread-safe (one window per channel, used on its loop).
 */
final class DatagramWindow {
    private final int slots;
    /** Each slot's latest sequence number: the one in flight, or the last one when the slot is free. */
    private final long[] seq;
    private final long[] sentAt;
    private final boolean[] inFlight;
    private int count;

    DatagramWindow(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1: " + slots);
        }
        this.slots = slots;
        this.seq = new long[slots];
        this.sentAt = new long[slots];
        this.inFlight = new boolean[slots];
        for (int i = 0; i < slots; i++) {
            seq[i] = i - (long) slots;
        }
    }

    /**
     * Puts a new datagram in {@code slot}, which must be free, sent at {@code now}; returns its sequence number.
     */
    long send(int slot, long now) {
        if (inFlight[slot]) {
            throw new IllegalStateException("slot " + slot + " still has datagram " + seq[slot] + " in flight");
        }
        inFlight[slot] = true;
        sentAt[slot] = now;
        count++;
        seq[slot] += slots;
        return seq[slot];
    }

    /**
     * An echo of datagram {@code seqNo} arrived at {@code now}: frees its slot and returns the round trip in
     * nanoseconds; or returns -1, changing nothing, when that datagram is not in flight: it was already declared
     * lost (a late echo), was echoed before (a duplicate), or was never sent.
     */
    long echoed(long seqNo, long now) {
        if (seqNo < 0) {
            return -1;
        }
        int slot = slotOf(seqNo);
        if (!inFlight[slot] || seq[slot] != seqNo) {
            return -1;
        }
        inFlight[slot] = false;
        count--;
        return now - sentAt[slot];
    }

    /** The slot datagram {@code seqNo} (not negative) travels in. */
    int slotOf(long seqNo) {
        return (int) (seqNo % slots);
    }

    /**
     * Finds the first slot at or after {@code from} whose datagram was sent more than {@code timeoutNanos} before
     * {@code now}, declares that datagram lost and frees the slot; returns the slot, or -1 when there is none. Call
     * again from the returned slot + 1 for the next.
     */
    int expire(long now, long timeoutNanos, int from) {
        for (int slot = from; slot < slots; slot++) {
            if (inFlight[slot] && now - sentAt[slot] > timeoutNanos) {
                inFlight[slot] = false;
                count--;
                return slot;
            }
        }
        return -1;
    }

    /** Datagrams in flight. */
    int inFlight() {
        return count;
    }

    /** The number of slots: the most datagrams in flight. */
    int slots() {
        return slots;
    }
}
