package org.iouring4j.examples;

import org.iouring4j.ring.CompletionHandler;
import org.iouring4j.ring.CompletionQueue;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Ring;
import org.iouring4j.ring.RingConfig;
import org.iouring4j.ring.SubmissionQueue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

/**
 * TCP echo over loopback driven entirely by one io_uring {@link Ring}, using only the native module (no Netty).
 *
 * <p>Each connection is a client socket and the server socket accepted for it. The client WRITEs messages, the
 * server READs whatever arrived and WRITEs it back, the client READs the echo. Every socket operation is an SQE
 * on the same ring, and one thread runs the loop: queue SQEs, one {@code io_uring_enter} that submits and
 * waits, drain the completions. Sockets are created and connected with plain syscalls ({@link LinuxSocket}); the
 * data path never calls native code except that one enter per loop turn.
 *
 * <p>After the configured time the clients stop sending, wait for their last echoes, and half-close; each
 * server answers the client's end of stream with its own, so every outstanding read completes by itself
 * and nothing is left in the kernel when the ring and sockets are closed. Each side keeps a CRC32C of the
 * byte stream it sent and of the one it got back; the demo exits 0 only if, on every connection, both match.
 *
 * <p>System properties (as Netty's examples use):
 * <ul>
 *   <li>{@code -Dsize=256}: bytes per message</li>
 *   <li>{@code -Dinflight=1}: messages in flight per connection (1 = strict ping-pong)</li>
 *   <li>{@code -Dconnections=1}: concurrent connections, all on the one ring</li>
 *   <li>{@code -Dseconds=5}: how long to keep sending</li>
 * </ul>
 *
 * <p>Exit status: 0 when every byte came back intact, 1 on a data mismatch, 2 when the echo did not drain in
 * time or an operation failed.
 */
public final class RingEchoDemo implements CompletionHandler, AutoCloseable {
    /** How long the echo may take to drain after sending stops, before the demo gives up. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** How long closing waits for outstanding ops to finish after a failure. */
    private static final long QUIESCE_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** Each message starts with its sequence number, so a lost, repeated or reordered message changes the CRC. */
    private static final int SEQ_BYTES = Long.BYTES;

    private static final int CLIENT_WRITE = 0;
    private static final int CLIENT_READ = 1;
    private static final int SERVER_READ = 2;
    private static final int SERVER_WRITE = 3;
    /** user_data = connection index << KIND_BITS | op kind. */
    private static final int KIND_BITS = 2;

    private final int size;
    private final int inflight;
    private final Ring ring;
    private final SubmissionQueue sq;
    private final Connection[] connections;
    /** Connections set up so far; {@link #close()} releases exactly these. */
    private int opened;
    /** SQEs queued or in the kernel whose CQE has not arrived; the loop ends when this reaches 0. */
    private int outstanding;
    private boolean sending = true;
    /** Why the echo failed, or null; once set, completions are only counted, never followed by new ops. */
    private String failure;
    private boolean dataMismatch;

    private RingEchoDemo(int size, int inflight, int connections) throws NativeIoException {
        this.size = size;
        this.inflight = inflight;
        this.connections = new Connection[connections];
        // At most three ops per connection are outstanding at once: the client's read and write, and the
        // server's read or write.
        this.ring = Ring.open(RingConfig.builder().entries(Math.max(8, 3 * connections)).build());
        this.sq = ring.submissionQueue();
    }

    public static void main(String[] args) throws Exception {
        int size = intProperty("size", 256, 1, 1 << 24);
        int inflight = intProperty("inflight", 1, 1, 1024);
        int connections = intProperty("connections", 1, 1, 1024);
        int seconds = intProperty("seconds", 5, 1, 3600);
        if (3L * size * inflight > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size * inflight too large: " + size + " * " + inflight);
        }
        int status;
        try (RingEchoDemo demo = new RingEchoDemo(size, inflight, connections)) {
            InetSocketAddress address = demo.connect();
            System.out.printf(Locale.ROOT, "RingEchoDemo: %d connection(s) to %s:%d, %d-byte messages, %d in flight"
                    + " each, %d s, %s%n", connections, address.getAddress().getHostAddress(), address.getPort(),
                    size, inflight, seconds, demo.ring);
            status = demo.run(TimeUnit.SECONDS.toNanos(seconds));
        }
        if (status != 0) {
            System.exit(status);
        }
    }

    private static int intProperty(String name, int def, int min, int max) {
        int value = Integer.parseInt(System.getProperty(name, Integer.toString(def)));
        if (value < min || value > max) {
            throw new IllegalArgumentException("-D" + name + " must be in [" + min + ", " + max + "]: " + value);
        }
        return value;
    }

    /** Opens a loopback listener and connects every client to it; returns the listener's address. */
    private InetSocketAddress connect() throws NativeIoException {
        int listener = LinuxSocket.newStreamSocket(false);
        try {
            LinuxSocket.bind(listener, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), false);
            LinuxSocket.listen(listener, connections.length);
            InetSocketAddress address = LinuxSocket.localAddress(listener);
            SplittableRandom random = new SplittableRandom(42);
            for (int i = 0; i < connections.length; i++) {
                connections[i] = new Connection(size * inflight, random);
                opened++;
                connections[i].connect(listener, address);
            }
            return address;
        } finally {
            FileDescriptors.close(listener);
        }
    }

    /** Echoes for {@code runNanos}, drains, and reports; returns the exit status. */
    private int run(long runNanos) throws NativeIoException {
        long start = System.nanoTime();
        long stopSendingAt = start + runNanos;
        long giveUpAt = stopSendingAt + DRAIN_NANOS;
        for (int i = 0; i < connections.length; i++) {
            startConnection(i);
        }
        CompletionQueue cq = ring.completionQueue();
        long enters = 0;
        while (outstanding > 0 && failure == null) {
            long now = System.nanoTime();
            if (sending && now >= stopSendingAt) {
                sending = false;
                for (int i = 0; i < connections.length; i++) {
                    clientSend(i);
                }
                continue;
            }
            if (now >= giveUpAt) {
                failure = "echo did not drain within " + TimeUnit.NANOSECONDS.toSeconds(DRAIN_NANOS) + " s";
                break;
            }
            ring.submitAndWait(1, (sending ? stopSendingAt : giveUpAt) - now);
            enters++;
            cq.drain(this);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure != null) {
            System.out.println("FAILED: " + failure);
            return dataMismatch ? 1 : 2;
        }
        return report(seconds, enters);
    }

    private int report(double seconds, long enters) {
        long bytes = 0;
        int status = 0;
        for (int i = 0; i < connections.length; i++) {
            Connection c = connections[i];
            bytes += c.receivedBytes;
            if (c.receivedBytes != c.sentBytes || c.sentCrc.getValue() != c.receivedCrc.getValue()) {
                System.out.printf(Locale.ROOT, "MISMATCH on connection %d: sent %d bytes (CRC32C %08x),"
                        + " got back %d (CRC32C %08x)%n", i, c.sentBytes, c.sentCrc.getValue(), c.receivedBytes,
                        c.receivedCrc.getValue());
                status = 1;
            }
        }
        long messages = bytes / size;
        System.out.printf(Locale.ROOT, "echoed %d messages (%d bytes) in %.2f s: %.0f msg/s, %.1f MiB/s,"
                        + " %.2f io_uring_enter per message%n", messages, bytes, seconds, messages / seconds,
                bytes / seconds / (1 << 20), (double) enters / Math.max(messages, 1));
        if (status == 0) {
            System.out.printf(Locale.ROOT, "verified: every byte round-tripped intact on %d connection(s)"
                    + " (CRC32C of sent and received streams equal)%n", connections.length);
        }
        return status;
    }

    private void startConnection(int i) {
        Connection c = connections[i];
        queueRead(i, CLIENT_READ, c.clientFd, c.rxOffset);
        queueRead(i, SERVER_READ, c.serverFd, c.serverOffset);
        clientSend(i);
    }

    private void queueRead(int i, int kind, int fd, int offset) {
        Connection c = connections[i];
        sq.addRead(fd, c.memory.address(offset), c.capacity, -1, userData(i, kind));
        outstanding++;
    }

    private void queueWrite(int i, int kind, int fd, int offset, int length) {
        sq.addWrite(fd, connections[i].memory.address(offset), length, -1, userData(i, kind));
        outstanding++;
    }

    private static long userData(int connection, int kind) {
        return (long) connection << KIND_BITS | kind;
    }

    /**
     * Tops the client's messages in flight back up to {@code inflight} with one WRITE, unless a write is still
     * running: one outstanding write per socket keeps the stream in order (two writes to the same socket may
     * complete in either order once one of them has to wait for buffer space). Once sending has stopped and
     * every echo is back, half-closes the client instead.
     */
    private void clientSend(int i) {
        Connection c = connections[i];
        if (c.writing || c.clientShutdown) {
            return;
        }
        long inFlight = c.sentMessages - c.receivedBytes / size;
        if (!sending) {
            if (c.receivedBytes == c.sentBytes) {
                shutdownOutput(c.clientFd);
                c.clientShutdown = true;
            }
            return;
        }
        int count = (int) (inflight - inFlight);
        if (count <= 0) {
            return;
        }
        for (int m = 0; m < count; m++) {
            c.stamp(m * size, size, c.sentMessages++);
        }
        c.writeLength = count * size;
        c.written = 0;
        c.sentCrc.update(c.view(0, c.writeLength));
        c.sentBytes += c.writeLength;
        c.writing = true;
        queueWrite(i, CLIENT_WRITE, c.clientFd, 0, c.writeLength);
    }

    private void shutdownOutput(int fd) {
        try {
            LinuxSocket.shutdown(fd, LinuxSocket.SHUT_WR);
        } catch (NativeIoException e) {
            fail(e.getMessage());
        }
    }

    @Override
    public void handle(long userData, int res, int flags) {
        outstanding--;
        if (failure != null) {
            return;
        }
        int i = (int) (userData >>> KIND_BITS);
        int kind = (int) (userData & ((1 << KIND_BITS) - 1));
        if (res < 0) {
            fail(new NativeIoException(kindName(kind) + " on connection " + i, res).getMessage());
            return;
        }
        Connection c = connections[i];
        switch (kind) {
            case CLIENT_WRITE:
                c.written += res;
                if (c.written < c.writeLength) {
                    queueWrite(i, CLIENT_WRITE, c.clientFd, c.written, c.writeLength - c.written);
                } else {
                    c.writing = false;
                    clientSend(i);
                }
                break;
            case CLIENT_READ:
                if (res == 0) {
                    if (c.receivedBytes != c.sentBytes) {
                        dataMismatch = true;
                        fail("connection " + i + " ended after " + c.receivedBytes + " of " + c.sentBytes
                                + " bytes");
                    }
                    break;
                }
                c.receivedCrc.update(c.view(c.rxOffset, res));
                c.receivedBytes += res;
                if (c.receivedBytes > c.sentBytes) {
                    dataMismatch = true;
                    fail("connection " + i + " got back more bytes than it sent");
                    break;
                }
                queueRead(i, CLIENT_READ, c.clientFd, c.rxOffset);
                clientSend(i);
                break;
            case SERVER_READ:
                if (res == 0) {
                    // The client half-closed after its last echo: answer with our own end of stream, which
                    // completes the client's outstanding read.
                    shutdownOutput(c.serverFd);
                    break;
                }
                c.echoLength = res;
                c.echoed = 0;
                queueWrite(i, SERVER_WRITE, c.serverFd, c.serverOffset, res);
                break;
            case SERVER_WRITE:
                c.echoed += res;
                if (c.echoed < c.echoLength) {
                    queueWrite(i, SERVER_WRITE, c.serverFd, c.serverOffset + c.echoed, c.echoLength - c.echoed);
                } else {
                    queueRead(i, SERVER_READ, c.serverFd, c.serverOffset);
                }
                break;
            default:
                throw new IllegalStateException("unknown user data " + userData);
        }
    }

    private static String kindName(int kind) {
        switch (kind) {
            case CLIENT_WRITE:
                return "client WRITE";
            case CLIENT_READ:
                return "client READ";
            case SERVER_READ:
                return "server READ";
            case SERVER_WRITE:
                return "server WRITE";
            default:
                return "op " + kind;
        }
    }

    private void fail(String why) {
        if (failure == null) {
            failure = why;
        }
    }

    /**
     * Waits for outstanding ops before releasing what they point to: the kernel may still write into a read
     * buffer until the read's CQE arrives, and closing a socket with an op in flight could let a new fd reuse
     * its number. Shutting the sockets down makes every pending read and write complete promptly.
     */
    @Override
    public void close() throws NativeIoException {
        if (outstanding > 0) {
            for (int i = 0; i < opened; i++) {
                connections[i].shutdownBoth();
            }
            long giveUpAt = System.nanoTime() + QUIESCE_NANOS;
            CompletionQueue cq = ring.completionQueue();
            for (long now = System.nanoTime(); outstanding > 0 && now < giveUpAt; now = System.nanoTime()) {
                ring.submitAndWait(1, giveUpAt - now);
                cq.drain(this);
            }
        }
        // Closing the ring cancels whatever is still outstanding; only then may the sockets go.
        boolean quiet = outstanding == 0;
        ring.close();
        for (int i = 0; i < opened; i++) {
            connections[i].close(quiet);
        }
    }

    /** One client socket, the server socket accepted for it, and their buffers. */
    private static final class Connection {
        /** Bytes of each buffer: room for every message in flight. */
        final int capacity;
        /** One region: client send buffer, client receive buffer, server echo buffer, in that order. */
        final NativeMemory memory;
        final int rxOffset;
        final int serverOffset;
        /** A view of {@link #memory} for the CRCs, made once so that checksumming allocates nothing. */
        private final ByteBuffer crcView;
        final CRC32C sentCrc = new CRC32C();
        final CRC32C receivedCrc = new CRC32C();
        int clientFd = -1;
        int serverFd = -1;
        long sentMessages;
        long sentBytes;
        long receivedBytes;
        boolean writing;
        boolean clientShutdown;
        int writeLength;
        int written;
        int echoLength;
        int echoed;

        Connection(int capacity, SplittableRandom random) {
            this.capacity = capacity;
            this.memory = NativeMemory.allocate(3 * capacity);
            this.rxOffset = capacity;
            this.serverOffset = 2 * capacity;
            this.crcView = memory.asByteBuffer();
            // Random payload once; each send only overwrites the sequence number at the front of a message.
            for (int i = 0; i < capacity; i++) {
                memory.putByte(i, (byte) random.nextInt());
            }
        }

        void connect(int listener, InetSocketAddress address) throws NativeIoException {
            clientFd = LinuxSocket.newStreamSocket(false);
            LinuxSocket.setIntOption(clientFd, LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_NODELAY, 1);
            LinuxSocket.connect(clientFd, address, false);
            serverFd = LinuxSocket.accept(listener);
            // Small echoes must not wait for Nagle's algorithm to batch them with data that will never come.
            LinuxSocket.setIntOption(serverFd, LinuxSocket.IPPROTO_TCP, LinuxSocket.TCP_NODELAY, 1);
        }

        /** Writes the low bytes of {@code seq} (little-endian) at the front of the message at {@code offset}. */
        void stamp(int offset, int messageSize, long seq) {
            int n = Math.min(SEQ_BYTES, messageSize);
            for (int b = 0; b < n; b++) {
                memory.putByte(offset + b, (byte) (seq >>> (8 * b)));
            }
        }

        ByteBuffer view(int offset, int length) {
            crcView.clear().position(offset).limit(offset + length);
            return crcView;
        }

        void shutdownBoth() {
            shutdownQuietly(clientFd);
            shutdownQuietly(serverFd);
        }

        private static void shutdownQuietly(int fd) {
            if (fd < 0) {
                return;
            }
            try {
                LinuxSocket.shutdown(fd, LinuxSocket.SHUT_RDWR);
            } catch (NativeIoException e) {
                // ENOTCONN: the peer is already gone, which is what we wanted.
                if (e.errno() != Errno.ENOTCONN) {
                    System.err.println("shutdown: " + e.getMessage());
                }
            }
        }

        /**
         * Closes both sockets; frees the buffers only when no op can still write into them ({@code quiet}),
         * else leaves them to the process's exit.
         */
        void close(boolean quiet) throws NativeIoException {
            if (clientFd >= 0) {
                FileDescriptors.close(clientFd);
            }
            if (serverFd >= 0) {
                FileDescriptors.close(serverFd);
            }
            if (quiet) {
                memory.close();
            }
        }
    }
}
