package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MessageSlots} without a kernel: the free list, where each slot's parts lie, what the prepare methods write
 * into the msghdr, how control messages are laid out and read back, and that the memory is one allocation, freed
 * once.
 */
@Timeout(10)
class MessageSlotsTest {
    private static final int SLOTS = 4;
    private static final int CONTROL = 64;

    @Test
    void acquireHandsOutEverySlotOnceThenMinusOneAndReusesReleasedSlots() {
        try (MessageSlots slots = new MessageSlots(SLOTS, CONTROL)) {
            assertEquals(SLOTS, slots.capacity());
            Set<Integer> taken = new HashSet<>();
            for (int i = 0; i < SLOTS; i++) {
                int slot = slots.acquire();
                assertTrue(slot >= 0 && slot < SLOTS, "slot index " + slot);
                assertTrue(taken.add(slot), "slot handed out twice: " + slot);
                assertEquals(i + 1, slots.inUse());
            }
            assertEquals(-1, slots.acquire(), "every slot is in use");
            assertEquals(SLOTS, slots.inUse());

            slots.release(2);
            assertEquals(SLOTS - 1, slots.inUse());
            assertEquals(2, slots.acquire(), "the released slot is the free one");
            assertEquals(-1, slots.acquire());

            for (int slot : taken) {
                slots.release(slot);
            }
            assertEquals(0, slots.inUse());
        }
    }

    @Test
    void releasingAFreeOrUnknownSlotFails() {
        try (MessageSlots slots = new MessageSlots(SLOTS, CONTROL)) {
            int slot = slots.acquire();
            slots.release(slot);
            assertThrows(IllegalStateException.class, () -> slots.release(slot), "double release");
            assertThrows(IndexOutOfBoundsException.class, () -> slots.release(SLOTS));
            assertThrows(IndexOutOfBoundsException.class, () -> slots.release(-1));
            assertEquals(0, slots.inUse(), "a failed release changes nothing");
        }
    }

    @Test
    void constructorRejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> new MessageSlots(0, CONTROL));
        assertThrows(IllegalArgumentException.class, () -> new MessageSlots(SLOTS, -1));
    }

    @Test
    void controlCapacityIsRoundedUpToTheCmsgAlignment() {
        try (MessageSlots slots = new MessageSlots(1, 20)) {
            assertEquals(24, slots.controlCapacity());
        }
    }

    /**
     * Each slot's msghdr, iovec, name and control buffer lie inside the one allocation, inside that slot's own
     * stretch of it (no two slots share a byte), and 8-byte aligned.
     */
    @Test
    void slotPartsAreDistinctAlignedAndInsideTheAllocation() {
        try (MessageSlots slots = new MessageSlots(SLOTS, CONTROL)) {
            NativeMemory memory = slots.memory();
            long start = memory.address();
            long end = start + memory.size();
            long[][] spans = new long[SLOTS][];
            for (int slot = 0; slot < SLOTS; slot++) {
                slots.prepareReceive(slot, 0x1000, 1);
                int msghdr = (int) (slots.msghdrAddress(slot) - start);
                long iov = memory.getLong(msghdr + Abi.Msghdr.IOV);
                long name = memory.getLong(msghdr + Abi.Msghdr.NAME);
                long control = memory.getLong(msghdr + Abi.Msghdr.CONTROL);
                assertEquals(start + slots.nameOffset(slot), name, "msg_name is the slot's name storage");
                long[] parts = {slots.msghdrAddress(slot), Abi.Msghdr.SIZE, iov, Abi.Iovec.SIZE,
                        name, SockAddr.STORAGE_SIZE, control, CONTROL};
                long lowest = Long.MAX_VALUE;
                long highest = Long.MIN_VALUE;
                for (int p = 0; p < parts.length; p += 2) {
                    assertEquals(0, parts[p] % 8, "slot " + slot + " part " + p / 2 + " misaligned");
                    assertTrue(parts[p] >= start && parts[p] + parts[p + 1] <= end,
                            "slot " + slot + " part " + p / 2 + " outside the allocation");
                    lowest = Math.min(lowest, parts[p]);
                    highest = Math.max(highest, parts[p] + parts[p + 1]);
                }
                spans[slot] = new long[] {lowest, highest};
            }
            for (int a = 0; a < SLOTS; a++) {
                for (int b = a + 1; b < SLOTS; b++) {
                    assertTrue(spans[a][1] <= spans[b][0] || spans[b][1] <= spans[a][0],
                            "slots " + a + " and " + b + " overlap");
                }
            }
        }
    }

    @Test
    void prepareReceiveOffersTheWholeNameStorageAndControlBuffer() {
        try (MessageSlots slots = new MessageSlots(SLOTS, CONTROL)) {
            int slot = slots.acquire();
            NativeMemory memory = slots.memory();
            int msghdr = (int) (slots.msghdrAddress(slot) - memory.address());
            memory.putInt(msghdr + Abi.Msghdr.FLAGS, MessageSlots.MSG_TRUNC); // a previous op's result
            slots.prepareReceive(slot, 0xABC000L, 1500);

            assertEquals(SockAddr.STORAGE_SIZE, slots.nameLength(slot));
            assertEquals(0, slots.flags(slot));
            assertEquals(1, memory.getLong(msghdr + Abi.Msghdr.IOVLEN));
            int iov = (int) (memory.getLong(msghdr + Abi.Msghdr.IOV) - memory.address());
            assertEquals(0xABC000L, memory.getLong(iov + Abi.Iovec.BASE));
            assertEquals(1500, memory.getLong(iov + Abi.Iovec.LEN));
            assertEquals(CONTROL, memory.getLong(msghdr + Abi.Msghdr.CONTROLLEN));
            assertTrue(memory.getLong(msghdr + Abi.Msghdr.CONTROL) != 0);
        }
    }

    @Test
    void withoutControlBufferReceiveOffersNone() {
        try (MessageSlots slots = new MessageSlots(1, 0)) {
            slots.prepareReceive(0, 0x1000, 10);
            int msghdr = (int) (slots.msghdrAddress(0) - slots.memory().address());
            assertEquals(0, slots.memory().getLong(msghdr + Abi.Msghdr.CONTROL));
            assertEquals(0, slots.memory().getLong(msghdr + Abi.Msghdr.CONTROLLEN));
            assertEquals(-1, slots.firstControl(0));
        }
    }

    @Test
    void prepareSendWithoutNameSendsToTheConnectedPeer() {
        try (MessageSlots slots = new MessageSlots(1, CONTROL)) {
            NativeMemory memory = slots.memory();
            int msghdr = (int) (slots.msghdrAddress(0) - memory.address());
            slots.prepareSend(0, 0x2000, 7, SockAddr.IN_SIZE);
            assertEquals(memory.address() + slots.nameOffset(0), memory.getLong(msghdr + Abi.Msghdr.NAME));
            assertEquals(SockAddr.IN_SIZE, slots.nameLength(0));

            slots.prepareSend(0, 0x2000, 7, 0);
            assertEquals(0, memory.getLong(msghdr + Abi.Msghdr.NAME), "no name: msg_name NULL");
            assertEquals(0, slots.nameLength(0));
            assertEquals(0, memory.getLong(msghdr + Abi.Msghdr.CONTROL));
            assertEquals(0, memory.getLong(msghdr + Abi.Msghdr.CONTROLLEN));
            assertThrows(IllegalArgumentException.class, () -> slots.prepareSend(0, 0x2000, 7, -1));
            assertThrows(IllegalArgumentException.class,
                    () -> slots.prepareSend(0, 0x2000, 7, SockAddr.STORAGE_SIZE + 1));
        }
    }

    /**
     * Appended control messages sit at CMSG_SPACE steps, each with cmsg_len = CMSG_LEN (the kernel checks
     * UDP_SEGMENT's to be exactly CMSG_LEN(2)), msg_controllen counts them, and the reading side walks them back.
     */
    @Test
    void controlMessagesAreAlignedCountedAndReadBack() {
        try (MessageSlots slots = new MessageSlots(2, 24 + 24 + 32)) {
            int slot = 1;
            NativeMemory memory = slots.memory();
            int msghdr = (int) (slots.msghdrAddress(slot) - memory.address());
            slots.prepareSend(slot, 0x3000, 1, 0);
            slots.putControlInt(slot, LinuxSocket.IPPROTO_IP, LinuxSocket.IP_TOS, 0x10);
            slots.putControlShort(slot, 17 /* SOL_UDP */, 103 /* UDP_SEGMENT */, (short) 1400);
            slots.putControlInts(slot, LinuxSocket.SOL_SOCKET, MessageSlots.SCM_RIGHTS, 5, 6, 7);
            assertEquals(24 + 24 + 32, memory.getLong(msghdr + Abi.Msghdr.CONTROLLEN));
            long control = memory.getLong(msghdr + Abi.Msghdr.CONTROL);

            int first = slots.firstControl(slot);
            assertEquals(control, memory.address() + first);
            assertEquals(Abi.Cmsghdr.length(4), memory.getLong(first + Abi.Cmsghdr.LEN));
            assertEquals(LinuxSocket.IPPROTO_IP, slots.controlLevel(first));
            assertEquals(LinuxSocket.IP_TOS, slots.controlType(first));
            assertEquals(4, slots.controlDataLength(first));
            assertEquals(0x10, memory.getInt(slots.controlDataOffset(first)));

            int second = slots.nextControl(slot, first);
            assertEquals(first + 24, second);
            assertEquals(Abi.Cmsghdr.length(2), memory.getLong(second + Abi.Cmsghdr.LEN));
            assertEquals(103, slots.controlType(second));
            assertEquals(2, slots.controlDataLength(second));
            assertEquals(1400, memory.getShort(slots.controlDataOffset(second)));

            int third = slots.nextControl(slot, second);
            assertEquals(second + 24, third);
            assertEquals(12, slots.controlDataLength(third));
            assertEquals(-1, slots.nextControl(slot, third));
            assertArrayEquals(new int[] {5, 6, 7}, slots.receivedFds(slot));

            assertThrows(IllegalArgumentException.class,
                    () -> slots.putControlInt(slot, LinuxSocket.SOL_SOCKET, MessageSlots.SCM_RIGHTS, 8),
                    "the control buffer is full");
            slots.prepareSend(slot, 0x3000, 1, 0);
            assertEquals(-1, slots.firstControl(slot), "prepareSend drops earlier control messages");
            assertArrayEquals(new int[0], slots.receivedFds(slot));
        }
    }

    /** A cmsg_len the buffer cannot hold ends the walk instead of reading past the slot. */
    @Test
    void aControlLengthPastTheReportedEndEndsTheWalk() {
        try (MessageSlots slots = new MessageSlots(1, CONTROL)) {
            slots.prepareSend(0, 0x3000, 1, 0);
            slots.putControlInt(0, LinuxSocket.SOL_SOCKET, MessageSlots.SCM_RIGHTS, 9);
            int first = slots.firstControl(0);
            slots.memory().putLong(first + Abi.Cmsghdr.LEN, CONTROL + 1);
            assertEquals(-1, slots.firstControl(0));
            slots.memory().putLong(first + Abi.Cmsghdr.LEN, Abi.Cmsghdr.SIZE - 1);
            assertEquals(-1, slots.firstControl(0));
        }
    }

    @Test
    void oneAllocationFreedOnceByAnIdempotentClose() {
        long liveBefore = NativeMemory.liveBytes();
        long allocationsBefore = NativeMemory.allocationCount();
        MessageSlots slots = new MessageSlots(16, CONTROL);
        assertEquals(allocationsBefore + 1, NativeMemory.allocationCount(), "all slots in one allocation");
        assertTrue(NativeMemory.liveBytes() > liveBefore);

        slots.close();
        assertEquals(liveBefore, NativeMemory.liveBytes(), "memory freed");
        assertFalse(slots.memory().isOpen());
        slots.close();
        assertEquals(liveBefore, NativeMemory.liveBytes(), "a second close frees nothing more");
        assertThrows(IllegalStateException.class, slots::acquire);
    }

    /** The per-op cycle allocates neither native memory nor Java heap. */
    @Test
    void perOpCycleAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (MessageSlots slots = new MessageSlots(SLOTS, CONTROL)) {
            cycle(slots, 20_000); // warm up: class loading and compilation allocate, the cycle itself must not
            long nativeBefore = NativeMemory.allocationCount();
            long heapBefore = threads.getCurrentThreadAllocatedBytes();
            int ops = 100_000;
            cycle(slots, ops);
            long heap = threads.getCurrentThreadAllocatedBytes() - heapBefore;
            assertEquals(nativeBefore, NativeMemory.allocationCount(), "native allocations");
            // Far below one byte per op: any per-op object (16+ bytes each) would show as megabytes.
            assertTrue(heap < ops / 10, heap + " heap bytes allocated over " + ops + " ops");
        }
    }

    private static void cycle(MessageSlots slots, int ops) {
        for (int i = 0; i < ops; i++) {
            int receive = slots.acquire();
            int send = slots.acquire();
            slots.prepareReceive(receive, 0x4000, 1500);
            slots.prepareSend(send, 0x5000, 100, SockAddr.IN_SIZE);
            slots.putControlShort(send, 17, 103, (short) 1400);
            if (slots.nameLength(receive) + slots.flags(receive) + slots.firstControl(receive) == Integer.MIN_VALUE) {
                throw new AssertionError("unreachable; keeps the reads live");
            }
            slots.release(send);
            slots.release(receive);
        }
    }
}
