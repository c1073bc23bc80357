package org.iouring4j.transport;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UserDataTest {
    @Test
    void roundTripsEveryFieldIndependently() {
        int[] ids = {0, 1, 0x7FFFFFFF, -1, 123456};
        int[] opcodes = {0, 1, 22, 0xFF};
        int[] datas = {0, 1, 0x7FFF, 0xFFFF};
        for (int id : ids) {
            for (int opcode : opcodes) {
                for (int data : datas) {
                    long userData = UserData.encode(id, opcode, data);
                    assertEquals(id, UserData.id(userData));
                    assertEquals(opcode, UserData.opcode(userData));
                    assertEquals(data, UserData.data(userData));
                    assertEquals(0, userData >>> 56, "top byte stays free");
                }
            }
        }
    }
}
