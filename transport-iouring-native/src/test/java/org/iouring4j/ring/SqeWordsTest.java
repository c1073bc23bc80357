package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The packed SQE words put every small field at its own byte offset, in either byte order: the big-endian
 * packing never runs on the x86_64 development machines, so it is checked here with the order given explicitly.
 */
class SqeWordsTest {
    @ParameterizedTest(name = "big endian: {0}")
    @ValueSource(booleans = {false, true})
    void headAndLenWordsLandOnTheStructFields(boolean bigEndian) {
        ByteBuffer sqe = ByteBuffer.allocate(Abi.Sqe.SIZE).order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        sqe.putLong(0, SubmissionQueue.headWord(0xAB, 0xCD, 0xBEEF, -7, bigEndian));
        sqe.putLong(Abi.Sqe.LEN, SubmissionQueue.lenWord(0x12345678, 0x9ABCDEF0, bigEndian));
        assertEquals((byte) 0xAB, sqe.get(Abi.Sqe.OPCODE));
        assertEquals((byte) 0xCD, sqe.get(Abi.Sqe.FLAGS));
        assertEquals((short) 0xBEEF, sqe.getShort(Abi.Sqe.IOPRIO));
        assertEquals(-7, sqe.getInt(Abi.Sqe.FD));
        assertEquals(0x12345678, sqe.getInt(Abi.Sqe.LEN));
        assertEquals(0x9ABCDEF0, sqe.getInt(Abi.Sqe.OP_FLAGS));
    }

    /**
     * A big-endian kernel swaps the 16-bit halves of {@code poll32_events} after loading it ({@code swahw32} in
     * {@code io_poll_parse_events}); what we store must come out as the events we meant.
     */
    @ParameterizedTest(name = "big endian: {0}")
    @ValueSource(booleans = {false, true})
    void pollEventsSurviveTheKernelsHalfwordSwap(boolean bigEndian) {
        int events = IoUring.POLLIN | IoUring.POLLRDHUP | 0x1_0000;
        int stored = SubmissionQueue.pollEvents(events, bigEndian);
        int kernelSees = bigEndian ? Integer.rotateLeft(stored, 16) : stored;
        assertEquals(events, kernelSees);
    }

    @Test
    void theHotPathUsesTheNativeOrder() {
        boolean nativeBig = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;
        assertEquals(SubmissionQueue.headWord(1, 2, 3, 4, nativeBig), SubmissionQueue.headWord(1, 2, 3, 4));
        assertEquals(SubmissionQueue.lenWord(5, 6, nativeBig), SubmissionQueue.lenWord(5, 6));
    }
}
