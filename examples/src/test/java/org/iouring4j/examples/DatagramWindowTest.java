package org.iouring4j.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatagramWindowTest {
    private static final long TIMEOUT = 100;

    @Test
    void echoGivesTheRoundTripAndFreesTheSlot() {
        DatagramWindow w = new DatagramWindow(4);
        assertEquals(2, w.send(2, 1_000));
        assertEquals(1, w.inFlight());
        assertEquals(35, w.echoed(2, 1_035));
        assertEquals(0, w.inFlight());
        assertEquals(6, w.send(2, 2_000), "the slot's next datagram gets a new number");
    }

    @Test
    void aDuplicateOrUnknownEchoChangesNothing() {
        DatagramWindow w = new DatagramWindow(4);
        long seq = w.send(1, 0);
        assertEquals(10, w.echoed(seq, 10));
        assertEquals(-1, w.echoed(seq, 20), "duplicate");
        assertEquals(-1, w.echoed(3, 20), "never sent");
        assertEquals(-1, w.echoed(-4, 20), "negative");
        assertEquals(0, w.inFlight());
    }

    @Test
    void onlyDatagramsOlderThanTheTimeoutExpire() {
        DatagramWindow w = new DatagramWindow(4);
        w.send(0, 0);
        w.send(1, 50);
        w.send(2, 0);
        w.send(3, 200);
        assertEquals(0, w.expire(150, TIMEOUT, 0));
        assertEquals(2, w.expire(150, TIMEOUT, 1));
        assertEquals(-1, w.expire(150, TIMEOUT, 3));
        assertEquals(-1, w.expire(150, TIMEOUT, 0), "the expired slots are free, the others too young");
        assertEquals(2, w.inFlight());
    }

    @Test
    void aLateEchoOfALostDatagramDoesNotCompleteItsReplacement() {
        DatagramWindow w = new DatagramWindow(2);
        long lostSeq = w.send(1, 0);
        assertEquals(1, w.expire(TIMEOUT + 1, TIMEOUT, 0));
        long replacement = w.send(1, TIMEOUT + 1);
        assertEquals(1, w.slotOf(replacement));
        assertEquals(-1, w.echoed(lostSeq, TIMEOUT + 5), "late echo of the lost datagram");
        assertEquals(1, w.inFlight());
        assertEquals(9, w.echoed(replacement, TIMEOUT + 10));
    }

    @Test
    void aSlotHoldsOneDatagramAtATime() {
        DatagramWindow w = new DatagramWindow(1);
        w.send(0, 0);
        assertThrows(IllegalStateException.class, () -> w.send(0, 1));
    }

    @Test
    void lossIsTheShareOfDecidedDatagramsNotEchoed() {
        assertEquals(0, UdpEchoClient.lossPercent(0, 0));
        assertEquals(0, UdpEchoClient.lossPercent(1_000, 0));
        assertEquals(1, UdpEchoClient.lossPercent(990, 10), 1e-9);
        assertEquals(100, UdpEchoClient.lossPercent(0, 7));
    }
}
