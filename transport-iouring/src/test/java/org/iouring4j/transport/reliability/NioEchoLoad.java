package org.iouring4j.transport.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An echo load generator on plain JDK NIO (one selector thread), independent of the transport under test:
 * it opens many connections to an echo server, sends each one its own {@link Reliability#patternByte pattern
 * stream}, and checks every echoed byte against the pattern at its offset, so any byte lost, duplicated,
 * reordered or corrupted is reported with its connection and offset.
 *
 * <p>Bounded mode ({@code bytesPerConnection >= 0}): done when every connection got all its bytes back.
 * Unbounded mode: connections keep echoing (at most {@code window} bytes unanswered each) until the server
 * closes them or {@link #stop()} is called; a close or reset by the server then counts as the end of that
 * connection, not as an error.
 *
 * <p>Also a {@code main} (arguments: host port connections bytesPerConnection maxPendingConnects timeoutSeconds),
 * so a test can put the clients in a child JVM when both ends would not fit in one process's fd limit. It
 * prints one {@code RESULT} line and exits 0 only on success.
 */
final class NioEchoLoad implements Callable<NioEchoLoad.Result> {
    private static final int CHUNK = 16 * 1024;

    /** An {@link InetSocketAddress}, or a {@link UnixDomainSocketAddress} for Unix stream sockets. */
    private final SocketAddress target;
    private final int connections;
    private final long bytesPerConnection;
    private final int window;
    private final int maxPendingConnects;
    private final boolean holdWritesUntilAllConnected;
    private final long timeoutNanos;
    private final long streamBase;

    /** Counted down once per connection, on its first verified echo byte. */
    final CountDownLatch allEchoing;
    /** Counted down when every connection is established. */
    final CountDownLatch allConnected = new CountDownLatch(1);
    final AtomicLong verifiedBytes = new AtomicLong();
    final AtomicInteger connectedCount = new AtomicInteger();
    private volatile boolean stop;
    private long startNanos;

    NioEchoLoad(SocketAddress target, int connections, long bytesPerConnection, int window,
                int maxPendingConnects, boolean holdWritesUntilAllConnected, long timeout, TimeUnit unit,
                long streamBase) {
        this.target = target;
        this.connections = connections;
        this.bytesPerConnection = bytesPerConnection;
        this.window = window;
        this.maxPendingConnects = maxPendingConnects;
        this.holdWritesUntilAllConnected = holdWritesUntilAllConnected;
        this.timeoutNanos = unit.toNanos(timeout);
        this.streamBase = streamBase;
        this.allEchoing = new CountDownLatch(connections);
    }

    /** Bounded: each connection echoes {@code bytes} bytes; all connect first, then all send. */
    static NioEchoLoad bounded(SocketAddress target, int connections, long bytes, int maxPendingConnects,
                               long timeoutSeconds) {
        return new NioEchoLoad(target, connections, bytes, Integer.MAX_VALUE, maxPendingConnects, true,
                timeoutSeconds, TimeUnit.SECONDS, 1_000_000L);
    }

    /** Ends an unbounded run: connections are closed and the result returned. */
    void stop() {
        stop = true;
    }

    static final class Result {
        int connected;
        int completed;
        int closedByPeer;
        long bytesVerified;
        long connectNanos;
        long totalNanos;
        String error;

        boolean ok() {
            return error == null;
        }

        @Override
        public String toString() {
            return "connected=" + connected + " completed=" + completed + " closedByPeer=" + closedByPeer
                    + " bytesVerified=" + bytesVerified + " connectMillis=" + TimeUnit.NANOSECONDS.toMillis(connectNanos)
                    + " totalMillis=" + TimeUnit.NANOSECONDS.toMillis(totalNanos)
                    + (error == null ? " ok" : " error=" + error);
        }
    }

    private static final class Conn {
        final int index;
        final long stream;
        final SocketChannel channel;
        SelectionKey key;
        long sent;
        long received;
        boolean connected;
        boolean finished;

        Conn(int index, long stream, SocketChannel channel) {
            this.index = index;
            this.stream = stream;
            this.channel = channel;
        }
    }

    @Override
    public Result call() throws IOException {
        Result result = new Result();
        long start = System.nanoTime();
        startNanos = start;
        long deadline = start + timeoutNanos;
        List<Conn> conns = new ArrayList<>(connections);
        byte[] out = new byte[CHUNK];
        byte[] in = new byte[64 * 1024];
        ByteBuffer outBuf = ByteBuffer.wrap(out);
        ByteBuffer inBuf = ByteBuffer.wrap(in);
        int pending = 0;
        int finished = 0;
        boolean writing = !holdWritesUntilAllConnected;
        try (Selector selector = Selector.open()) {
            try {
                while (result.error == null) {
                    if (System.nanoTime() > deadline) {
                        result.error = "timed out after " + TimeUnit.NANOSECONDS.toSeconds(timeoutNanos) + " s with "
                                + result.connected + " of " + connections + " connected, " + result.completed
                                + " completed, " + result.closedByPeer + " closed by the server";
                        break;
                    }
                    if (stop || finished == connections) {
                        break;
                    }
                    while (conns.size() < connections && pending < maxPendingConnects) {
                        boolean unix = target instanceof UnixDomainSocketAddress;
                        SocketChannel channel = unix ? SocketChannel.open(StandardProtocolFamily.UNIX)
                                : SocketChannel.open();
                        Conn c = new Conn(conns.size(), streamBase + conns.size(), channel);
                        conns.add(c);
                        channel.configureBlocking(false);
                        if (!unix) {
                            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        }
                        c.key = channel.register(selector, 0, c);
                        boolean done;
                        try {
                            done = channel.connect(target);
                        } catch (java.net.SocketException backlogFull) {
                            if (!unix) {
                                throw backlogFull;
                            }
                            // A Unix socket's connect fails at once (EAGAIN) while the listener's backlog is full,
                            // where TCP would retry the SYN: try again after this round of the selector.
                            conns.remove(conns.size() - 1);
                            channel.close();
                            break;
                        }
                        if (done) {
                            connected(c, result);
                        } else {
                            c.key.interestOps(SelectionKey.OP_CONNECT);
                            pending++;
                        }
                    }
                    if (!writing && result.connected == connections) {
                        writing = true;
                        for (Conn c : conns) {
                            updateInterest(c, true);
                        }
                    }
                    selector.select(50);
                    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                    while (keys.hasNext() && result.error == null) {
                        SelectionKey key = keys.next();
                        keys.remove();
                        Conn c = (Conn) key.attachment();
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isConnectable()) {
                            try {
                                c.channel.finishConnect();
                            } catch (IOException e) {
                                result.error = "connection #" + c.index + " failed to connect: " + e;
                                break;
                            }
                            pending--;
                            connected(c, result);
                            updateInterest(c, writing);
                            continue;
                        }
                        if (key.isReadable() && !read(c, inBuf, in, result)) {
                            if (c.finished) {
                                finished++;
                            }
                            continue;
                        }
                        if (key.isValid() && key.isWritable()) {
                            write(c, outBuf, out, result);
                        }
                        if (key.isValid()) {
                            updateInterest(c, writing);
                        }
                        if (c.finished) {
                            finished++;
                        }
                    }
                }
            } finally {
                for (Conn c : conns) {
                    try {
                        c.channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }
        result.totalNanos = System.nanoTime() - start;
        return result;
    }

    private void connected(Conn c, Result result) {
        c.connected = true;
        result.connected++;
        connectedCount.incrementAndGet();
        if (result.connected == connections) {
            result.connectNanos = System.nanoTime() - startNanos;
            allConnected.countDown();
        }
    }

    private void updateInterest(Conn c, boolean writing) {
        if (c.finished || !c.key.isValid()) {
            return;
        }
        int ops = SelectionKey.OP_READ;
        boolean moreToSend = bytesPerConnection < 0 || c.sent < bytesPerConnection;
        if (writing && moreToSend && c.sent - c.received < window) {
            ops |= SelectionKey.OP_WRITE;
        }
        c.key.interestOps(ops);
    }

    private void write(Conn c, ByteBuffer outBuf, byte[] out, Result result) {
        long limit = bytesPerConnection < 0 ? Long.MAX_VALUE : bytesPerConnection;
        long room = Math.min(limit - c.sent, (long) window - (c.sent - c.received));
        int length = (int) Math.min(out.length, room);
        if (length <= 0) {
            return;
        }
        Reliability.fillPattern(out, 0, length, c.stream, c.sent);
        outBuf.clear().limit(length);
        try {
            c.sent += c.channel.write(outBuf);
        } catch (IOException e) {
            peerGone(c, result, e);
        }
    }

    /** @return false if the connection ended (finished, closed or failed) */
    private boolean read(Conn c, ByteBuffer inBuf, byte[] in, Result result) {
        inBuf.clear();
        int n;
        try {
            n = c.channel.read(inBuf);
        } catch (IOException e) {
            peerGone(c, result, e);
            return false;
        }
        if (n < 0) {
            peerGone(c, result, null);
            return false;
        }
        if (n == 0) {
            return true;
        }
        if (c.received + n > c.sent) {
            result.error = "connection #" + c.index + " received " + (c.received + n) + " bytes but sent only "
                    + c.sent + " (duplicated data)";
            return false;
        }
        int mismatch = Reliability.verifyPattern(in, 0, n, c.stream, c.received);
        if (mismatch >= 0) {
            result.error = Reliability.mismatchMessage("connection #" + c.index, c.stream, c.received + mismatch,
                    in[mismatch]);
            return false;
        }
        if (c.received == 0) {
            allEchoing.countDown();
        }
        c.received += n;
        result.bytesVerified += n;
        verifiedBytes.addAndGet(n);
        if (bytesPerConnection >= 0 && c.received == bytesPerConnection) {
            c.finished = true;
            result.completed++;
            c.key.interestOps(0); // kept open until all are done, so that all stay concurrent
            return false;
        }
        return true;
    }

    private void peerGone(Conn c, Result result, IOException cause) {
        if (bytesPerConnection >= 0) {
            result.error = "connection #" + c.index + " " + (cause == null ? "closed by the server" : "failed: " + cause)
                    + " after echoing " + c.received + " of " + bytesPerConnection + " bytes";
            return;
        }
        c.finished = true;
        result.closedByPeer++;
        c.key.cancel();
        try {
            c.channel.close();
        } catch (IOException ignored) {
            // gone anyway
        }
    }

    /** Arguments: host port ... for TCP, or {@code unix:PATH -} ... for a Unix stream socket. */
    public static void main(String[] args) throws Exception {
        SocketAddress target = args[0].startsWith("unix:") ? UnixDomainSocketAddress.of(args[0].substring(5))
                : new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int connections = Integer.parseInt(args[2]);
        long bytes = Long.parseLong(args[3]);
        int maxPending = Integer.parseInt(args[4]);
        long timeoutSeconds = Long.parseLong(args[5]);
        Result result = bounded(target, connections, bytes, maxPending, timeoutSeconds).call();
        System.out.println("RESULT " + result);
        System.out.flush();
        System.exit(result.ok() ? 0 : 1);
    }
}
