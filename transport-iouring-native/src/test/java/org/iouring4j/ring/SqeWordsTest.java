package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The packed SQE words put every small field at its own byte offset, in native order. */
class SqeWordsTest {
    @Test
    void headAndLenWordsLandOnTheStructFields() {
        ByteBuffer sqe = ByteBuffer.allocate(Abi.Sqe.SIZE).order(ByteOrder.nativeOrder());
        sqe.putLong(0, SubmissionQueue.headWord(0xAB, 0xCD, 0xBEEF, -7));
        sqe.putLong(Abi.Sqe.LEN, SubmissionQueue.lenWord(0x12345678, 0x9ABCDEF0));
        assertEquals((byte) 0xAB, sqe.get(Abi.Sqe.OPCODE));
        assertEquals((byte) 0xCD, sqe.get(Abi.Sqe.FLAGS));
        assertEquals((short) 0xBEEF, sqe.getShort(Abi.Sqe.IOPRIO));
        assertEquals(-7, sqe.getInt(Abi.Sqe.FD));
        assertEquals(0x12345678, sqe.getInt(Abi.Sqe.LEN));
        assertEquals(0x9ABCDEF0, sqe.getInt(Abi.Sqe.OP_FLAGS));
    }
}
