package org.iouring4j.transport;

/**
 * Packs what a completion must be routed by into the 64-bit {@code user_data} of its SQE, so no lookup table
 * of in-flight ops is needed:
 * <pre>
 *  63      56 55            40 39      32 31                              0
 * +----------+----------------+----------+--------------------------------+
 * |  unused  |  data (16 bit) |  opcode  |  registration id (32 bit)      |
 * +----------+----------------+----------+--------------------------------+
 * </pre>
 * The registration id names the handle; the opcode and the handle's own 16-bit data tell it which of its
 * ops completed.
 */
final class UserData {
    private UserData() {
    }

    static long encode(int id, int opcode, int data) {
        return (id & 0xFFFFFFFFL) | ((long) (opcode & 0xFF) << 32) | ((long) (data & 0xFFFF) << 40);
    }

    static int id(long userData) {
        return (int) userData;
    }

    static int opcode(long userData) {
        return (int) (userData >>> 32) & 0xFF;
    }

    /** The handle's data, as an unsigned 16-bit value. */
    static int data(long userData) {
        return (int) (userData >>> 40) & 0xFFFF;
    }
}
