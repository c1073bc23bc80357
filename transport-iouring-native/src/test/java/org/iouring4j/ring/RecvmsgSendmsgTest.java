package org.iouring4j.ring;

import org.iouring4j.ring.internal.Syscalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.FileInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SENDMSG and RECVMSG through {@link MessageSlots} on real sockets: UDP datagrams on loopback with their
 * addresses, truncation, several receives in flight at once, and fd passing (SCM_RIGHTS) over a Unix socket pair.
 * Every test ends with the process holding exactly the fds it held before.
 */
@ExtendWith(RequiresIoUring.class)
@Timeout(10)
class RecvmsgSendmsgTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** {@code O_CLOEXEC} as {@code /proc/self/fdinfo} reports it in {@code flags:} (octal 02000000). */
    private static final int O_CLOEXEC = 0x80000;
    /** Marks a SENDMSG's user data; the low bits carry the slot, as they do for a RECVMSG. */
    private static final long SEND = 1L << 32;
    private static final int BUFFER = 2048;

    private final List<Integer> fds = new ArrayList<>();
    private Map<Integer, String> fdsBefore;
    private Ring ring;
    private MessageSlots slots;
    /** Per slot, {@link #BUFFER} bytes at {@code slot * BUFFER}: received into, or sent from. */
    private NativeMemory buffers;

    @BeforeEach
    void open() throws Exception {
        fdsBefore = openFds();
        ring = Ring.open(RingConfig.defaults());
        slots = new MessageSlots(8, 64);
        buffers = NativeMemory.allocate(slots.capacity() * BUFFER);
    }

    @AfterEach
    void closeAndCheckForLeaks() throws Exception {
        try {
            assertEquals(0, slots.inUse(), "every slot released after its CQE");
        } finally {
            // The ring first: closing it ends any op still in flight, before the memory it points to is freed.
            ring.close();
            slots.close();
            buffers.close();
            for (int fd : fds) {
                Completions.closeAll(fd);
            }
        }
        Map<Integer, String> leaked = new HashMap<>(openFds());
        leaked.keySet().removeAll(fdsBefore.keySet());
        assertEquals(Map.of(), leaked, "fds opened by the test and never closed");
    }

    @Test
    void sendmsgCarriesADatagramAndRecvmsgReportsItAndItsSender() throws Exception {
        int sender = udpSocket();
        int receiver = udpSocket();
        byte[] datagram = Completions.pattern(100, 1);

        int receive = slots.acquire();
        slots.prepareReceive(receive, buffers.address(receive * BUFFER), BUFFER);
        ring.submissionQueue().addRecvmsg(receiver, slots.msghdrAddress(receive), 0, receive);
        int send = sendTo(sender, localAddress(receiver), datagram);

        Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
        assertEquals(datagram.length, done.get(SEND | send).res(), "sendmsg");
        assertEquals(datagram.length, done.get((long) receive).res(), "recvmsg");
        assertArrayEquals(datagram, Completions.bytes(buffers, receive * BUFFER, datagram.length));
        assertEquals(SockAddr.IN_SIZE, slots.nameLength(receive));
        assertEquals(localAddress(sender), SockAddr.read(slots.memory(), slots.nameOffset(receive)));
        assertEquals(0, slots.flags(receive));
        assertEquals(-1, slots.firstControl(receive), "no control data was asked for");
        slots.release(send);
        slots.release(receive);
    }

    @Test
    void aDatagramLongerThanTheBufferIsTruncatedAndFlagged() throws Exception {
        int sender = udpSocket();
        int receiver = udpSocket();
        byte[] datagram = Completions.pattern(100, 2);
        int room = 40;

        int receive = slots.acquire();
        slots.prepareReceive(receive, buffers.address(receive * BUFFER), room);
        ring.submissionQueue().addRecvmsg(receiver, slots.msghdrAddress(receive), 0, receive);
        int send = sendTo(sender, localAddress(receiver), datagram);

        Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
        assertEquals(datagram.length, done.get(SEND | send).res(), "sendmsg");
        assertEquals(room, done.get((long) receive).res(), "recvmsg returns what fit");
        assertTrue((slots.flags(receive) & MessageSlots.MSG_TRUNC) != 0, "MSG_TRUNC in " + slots.flags(receive));
        byte[] head = new byte[room];
        System.arraycopy(datagram, 0, head, 0, room);
        assertArrayEquals(head, Completions.bytes(buffers, receive * BUFFER, room));
        assertEquals(0, buffers.getByte(receive * BUFFER + room), "nothing written past the iovec");
        slots.release(send);
        slots.release(receive);
    }

    /**
     * Four RECVMSGs wait on one socket, each in its own slot, while four senders send one datagram each. Every
     * completion names its slot, and that slot holds one whole datagram together with the address of the socket
     * that sent exactly that datagram: no slot's data or address got mixed with another's.
     */
    @Test
    void severalRecvmsgsInFlightEachCompleteWithTheirOwnDatagramAndSender() throws Exception {
        int receiver = udpSocket();
        int count = 4;
        int[] senders = new int[count];
        InetSocketAddress[] senderAddresses = new InetSocketAddress[count];
        for (int i = 0; i < count; i++) {
            senders[i] = udpSocket();
            senderAddresses[i] = localAddress(senders[i]);
        }
        Set<Integer> receives = new HashSet<>();
        for (int i = 0; i < count; i++) {
            int receive = slots.acquire();
            receives.add(receive);
            slots.prepareReceive(receive, buffers.address(receive * BUFFER), BUFFER);
            ring.submissionQueue().addRecvmsg(receiver, slots.msghdrAddress(receive), 0, receive);
        }
        assertEquals(count, ring.submit());
        assertEquals(0, ring.completionQueue().ready(), "the receives wait for datagrams");

        Set<Integer> sends = new HashSet<>();
        InetSocketAddress target = localAddress(receiver);
        for (int i = 0; i < count; i++) {
            sends.add(sendTo(senders[i], target, Completions.pattern(lengthOf(i), i)));
        }
        assertEquals(2 * count, slots.inUse(), "a slot per op in flight");
        Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2 * count);

        Set<Integer> datagramsSeen = new HashSet<>();
        for (int receive : receives) {
            Completions.Cqe cqe = done.get((long) receive);
            int i = indexOfLength(cqe.res());
            assertTrue(datagramsSeen.add(i), "datagram " + i + " received twice");
            assertArrayEquals(Completions.pattern(lengthOf(i), i),
                    Completions.bytes(buffers, receive * BUFFER, lengthOf(i)), "slot " + receive + " data");
            assertEquals(senderAddresses[i], SockAddr.read(slots.memory(), slots.nameOffset(receive)),
                    "slot " + receive + " holds the address of datagram " + i + "'s sender");
            slots.release(receive);
        }
        for (int send : sends) {
            assertTrue(done.get(SEND | send).res() > 0, "sendmsg from slot " + send);
            slots.release(send);
        }
    }

    private static int lengthOf(int datagram) {
        return 10 + 7 * datagram;
    }

    private static int indexOfLength(int length) {
        assertTrue(length >= 10 && (length - 10) % 7 == 0, "unexpected datagram length " + length);
        return (length - 10) / 7;
    }

    /**
     * The read end of a pipe travels over a Unix socket pair as SCM_RIGHTS: the receiver gets a new fd, opened
     * close-on-exec as asked, that reads what is written into the pipe even after the sender closed its own copy.
     */
    @Test
    void scmRightsPassesAPipeOverAUnixSocketPair() throws Exception {
        int[] pair = track(FileDescriptors.socketPair());
        int[] pipe = FileDescriptors.pipe();
        track(pipe[1]);

        int receive = slots.acquire();
        slots.prepareReceive(receive, buffers.address(receive * BUFFER), BUFFER);
        ring.submissionQueue().addRecvmsg(pair[1], slots.msghdrAddress(receive), MessageSlots.MSG_CMSG_CLOEXEC,
                receive);
        int send = slots.acquire();
        int sendBuffer = send * BUFFER;
        buffers.putByte(sendBuffer, (byte) 'F'); // a stream needs a byte of data to carry control data
        slots.prepareSend(send, buffers.address(sendBuffer), 1, 0);
        slots.putControlInts(send, LinuxSocket.SOL_SOCKET, MessageSlots.SCM_RIGHTS, pipe[0]);
        ring.submissionQueue().addSendmsg(pair[0], slots.msghdrAddress(send), 0, SEND | send);

        Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
        assertEquals(1, done.get(SEND | send).res(), "sendmsg");
        assertEquals(1, done.get((long) receive).res(), "recvmsg");
        assertEquals('F', buffers.getByte(receive * BUFFER));
        assertEquals(0, slots.flags(receive) & MessageSlots.MSG_CTRUNC, "control data fit");
        int cmsg = slots.firstControl(receive);
        assertTrue(cmsg >= 0, "a control message arrived");
        assertEquals(LinuxSocket.SOL_SOCKET, slots.controlLevel(cmsg));
        assertEquals(MessageSlots.SCM_RIGHTS, slots.controlType(cmsg));
        assertEquals(Integer.BYTES, slots.controlDataLength(cmsg));
        assertEquals(-1, slots.nextControl(receive, cmsg));
        int[] received = slots.receivedFds(receive);
        assertEquals(1, received.length);
        int passed = track(received[0]);
        assertNotEquals(pipe[0], passed, "the receiver gets its own fd");
        assertTrue((fileStatusFlags(passed) & O_CLOEXEC) != 0, "MSG_CMSG_CLOEXEC applied");
        slots.release(send);
        slots.release(receive);

        FileDescriptors.close(pipe[0]);
        byte[] message = Completions.pattern(5, 3);
        try (NativeMemory io = Completions.memoryOf(message)) {
            assertEquals(message.length, FileDescriptors.write(pipe[1], io.address(), message.length));
            io.zero(0, message.length);
            assertEquals(message.length, FileDescriptors.read(passed, io.address(), message.length));
            assertArrayEquals(message, Completions.bytes(io, 0, message.length));
        }
    }

    /** With no room for control data the passed fd is not installed: MSG_CTRUNC, and no fd appears (or leaks). */
    @Test
    void anFdWithoutRoomForControlDataIsDroppedAndFlagged() throws Exception {
        int[] pair = track(FileDescriptors.socketPair());
        int[] pipe = track(FileDescriptors.pipe());
        try (MessageSlots noControl = new MessageSlots(1, 0)) {
            int receive = noControl.acquire();
            noControl.prepareReceive(receive, buffers.address(0), BUFFER);
            ring.submissionQueue().addRecvmsg(pair[1], noControl.msghdrAddress(receive), 0, receive);
            int send = slots.acquire();
            buffers.putByte(BUFFER, (byte) 'F');
            slots.prepareSend(send, buffers.address(BUFFER), 1, 0);
            slots.putControlInts(send, LinuxSocket.SOL_SOCKET, MessageSlots.SCM_RIGHTS, pipe[0]);
            ring.submissionQueue().addSendmsg(pair[0], slots.msghdrAddress(send), 0, SEND | send);

            Map<Long, Completions.Cqe> done = Completions.awaitByUserData(ring, 2);
            assertEquals(1, done.get(SEND | send).res(), "sendmsg");
            assertEquals(1, done.get((long) receive).res(), "recvmsg");
            assertTrue((noControl.flags(receive) & MessageSlots.MSG_CTRUNC) != 0,
                    "MSG_CTRUNC in " + noControl.flags(receive));
            assertArrayEquals(new int[0], noControl.receivedFds(receive));
            slots.release(send);
            noControl.release(receive);
        }
    }

    /** Queues a SENDMSG of {@code datagram} from {@code fd} to {@code target} in a new slot; returns the slot. */
    private int sendTo(int fd, InetSocketAddress target, byte[] datagram) {
        int send = slots.acquire();
        int buffer = send * BUFFER;
        buffers.put(buffer, datagram, 0, datagram.length);
        int nameLength = SockAddr.write(slots.memory(), slots.nameOffset(send), target, false);
        slots.prepareSend(send, buffers.address(buffer), datagram.length, nameLength);
        ring.submissionQueue().addSendmsg(fd, slots.msghdrAddress(send), 0, SEND | send);
        return send;
    }

    /** A blocking UDP socket bound to an ephemeral port on 127.0.0.1, closed after the test. */
    private int udpSocket() throws NativeIoException {
        int fd = Syscalls.socket(SockAddr.AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new NativeIoException("socket", fd);
        }
        track(fd);
        try (NativeMemory address = NativeMemory.allocate(SockAddr.STORAGE_SIZE)) {
            int length = SockAddr.write(address, 0, new InetSocketAddress(LOOPBACK, 0), false);
            FileDescriptors.check("bind", Syscalls.bind(fd, address.address(), length));
        }
        return fd;
    }

    private static InetSocketAddress localAddress(int fd) throws NativeIoException {
        try (NativeMemory address = NativeMemory.allocate(SockAddr.STORAGE_SIZE + Integer.BYTES)) {
            address.putInt(SockAddr.STORAGE_SIZE, SockAddr.STORAGE_SIZE);
            FileDescriptors.check("getsockname",
                    Syscalls.getsockname(fd, address.address(), address.address(SockAddr.STORAGE_SIZE)));
            return SockAddr.read(address, 0);
        }
    }

    private int track(int fd) {
        fds.add(fd);
        return fd;
    }

    private int[] track(int[] pair) {
        for (int fd : pair) {
            track(fd);
        }
        return pair;
    }

    /** fd → what it refers to, from /proc/self/fd. */
    private static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> targets = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : entries) {
                try {
                    targets.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own fd, gone by the time it is read
                }
            }
        }
        return targets;
    }

    /**
     * The {@code flags:} line of {@code /proc/self/fdinfo/FD}: the file's status flags, in octal. Read with java.io:
     * the first NIO file channel makes the JDK open a socket of its own for good (its pre-close socket), which the
     * leak check would report.
     */
    private static int fileStatusFlags(int fd) throws IOException {
        String info;
        try (FileInputStream in = new FileInputStream("/proc/self/fdinfo/" + fd)) {
            info = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        for (String line : info.split("\n")) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        fail("no flags line in /proc/self/fdinfo/" + fd);
        return 0;
    }
}
