package org.iouring4j.transport.reliability;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.internal.Syscalls;
import org.iouring4j.transport.UringIoHandler;
import org.iouring4j.transport.UringIoHandlerConfig;
import org.iouring4j.transport.UringIoHandlerMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the reliability tests share: the process's fd table and fd limit, the native memory gauge, a
 * deterministic byte pattern that lets a receiver check every byte it gets (so a lost, duplicated or
 * reordered byte is reported with its exact offset), event loop groups, and an echo handler.
 */
final class Reliability {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    /** {@code RLIMIT_NOFILE} in {@code <sys/resource.h>} (x86_64 and aarch64). */
    private static final int RLIMIT_NOFILE = 7;
    private static final Path PROC_FD = Path.of("/proc/self/fd");

    static {
        openJdkPreCloseFd();
    }

    private Reliability() {
    }

    /**
     * Makes the JDK open, now, the one fd it keeps for the rest of the process to close its sockets with: one end
     * of a Unix socketpair whose other end it closed, {@code dup2}ed over a socket's fd while other threads may
     * still be blocked on it ({@code preCloseFD}, made by the static initialiser of its dispatcher). JDK 17 opens
     * it with the first {@code FileChannel} too (even a {@code Files.readAllLines}), which the loop's start-up
     * makes before a test's "before" fd snapshot; JDK 25 only with the first JDK socket (java.net or java.nio),
     * which in a test is typically a client opened after that snapshot, so the count taken after the client
     * closed would be one higher without any fd leaked. It is a socket, so counting only sockets would not help.
     */
    private static void openJdkPreCloseFd() {
        try {
            SocketChannel.open().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- file descriptors ----

    /** The fd numbers open in this process (without the one the listing itself uses). */
    static int[] openFds() {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC_FD)) {
            for (Path p : dir) {
                fds.add(Integer.parseInt(p.getFileName().toString()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The listing's own fd is among them and is closed now: drop the entries that no longer resolve.
        return fds.stream().filter(fd -> Files.exists(PROC_FD.resolve(String.valueOf(fd)), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .mapToInt(Integer::intValue).sorted().toArray();
    }

    static int openFdCount() {
        return openFds().length;
    }

    /** fd number → what it refers to ({@code socket:[…]}, {@code anon_inode:[io_uring]}, a path), for diagnostics. */
    static Map<Integer, String> describeFds() {
        Map<Integer, String> out = new TreeMap<>();
        for (int fd : openFds()) {
            try {
                out.put(fd, Files.readSymbolicLink(PROC_FD.resolve(String.valueOf(fd))).toString());
            } catch (IOException e) {
                // closed meanwhile
            }
        }
        return out;
    }

    /**
     * The fds in {@code after} that are not in {@code before} (and those closed since), by kind; TCP sockets are
     * described by ports and state from {@code /proc/net/tcp*}, e.g. {@code tcp 127.0.0.1:41235->:0 LISTEN}.
     */
    static Map<String, Integer> fdDiff(Map<Integer, String> before, Map<Integer, String> after) {
        Map<String, String> tcp = tcpSockets();
        Map<String, Integer> diff = new TreeMap<>();
        after.forEach((fd, what) -> {
            if (!what.equals(before.get(fd))) {
                diff.merge(kind(what, tcp), 1, Integer::sum);
            }
        });
        before.forEach((fd, what) -> {
            if (!what.equals(after.get(fd))) {
                diff.merge("closed " + kind(what, tcp), 1, Integer::sum);
            }
        });
        return diff;
    }

    private static String kind(String what, Map<String, String> tcp) {
        if (!what.startsWith("socket:[")) {
            return what;
        }
        String described = tcp.get(what.substring(8, what.length() - 1));
        return described == null ? "socket (not TCP)" : described;
    }

    private static final String[] TCP_STATES = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
        "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"};

    /** Socket inode → "tcp localPort->remotePort STATE" for every TCP socket in this network namespace. */
    static Map<String, String> tcpSockets() {
        Map<String, String> out = new java.util.HashMap<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && !f[0].equals("sl")) {
                        int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                        int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                        int state = Integer.parseInt(f[3], 16);
                        out.put(f[9], "tcp :" + local + "->:" + remote + " "
                                + (state < TCP_STATES.length ? TCP_STATES[state] : String.valueOf(state)));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /**
     * How many of this process's fds are TCP sockets whose local port is {@code port} (a server's accepted
     * connections and its listener), from {@code /proc/net/tcp*} and the fds' socket inodes.
     */
    static int openSocketsOnPort(int port) {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[1].contains(":") && !f[0].equals("sl")) {
                        int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                        if (local == port) {
                            inodes.add(f[9]);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        int count = 0;
        for (String what : describeFds().values()) {
            if (what.startsWith("socket:[") && inodes.contains(what.substring(8, what.length() - 1))) {
                count++;
            }
        }
        return count;
    }

    /** {@code {soft, hard}} of RLIMIT_NOFILE. */
    static long[] fdLimit() {
        try (NativeMemory rlimit = NativeMemory.allocate(16)) {
            int ret = Syscalls.getrlimit(RLIMIT_NOFILE, rlimit.address());
            if (ret < 0) {
                throw new UncheckedIOException(new NativeIoException("getrlimit(RLIMIT_NOFILE)", ret));
            }
            return new long[] {rlimit.getLong(0), rlimit.getLong(8)};
        }
    }

    static void setFdLimit(long soft, long hard) {
        try (NativeMemory rlimit = NativeMemory.allocate(16)) {
            rlimit.putLong(0, soft);
            rlimit.putLong(8, hard);
            int ret = Syscalls.setrlimit(RLIMIT_NOFILE, rlimit.address());
            if (ret < 0) {
                throw new UncheckedIOException(new NativeIoException(
                        "setrlimit(RLIMIT_NOFILE, soft=" + soft + ", hard=" + hard + ")", ret));
            }
        }
    }

    /**
     * Makes sure this process may open {@code needed} more fds than it has open: raises the soft limit up to
     * the hard one if it must, and fails with a message naming the limit when even the hard limit is too low.
     */
    static void ensureFdHeadroom(int needed, String why) {
        long[] limit = fdLimit();
        int[] open = openFds();
        long highest = open.length == 0 ? 0 : open[open.length - 1];
        long wanted = Math.max(highest + 1, open.length) + needed + 64L;
        if (limit[0] >= wanted) {
            return;
        }
        if (limit[1] < wanted) {
            throw new AssertionError(why + " needs about " + wanted + " open files in this JVM, but RLIMIT_NOFILE"
                    + " is soft=" + limit[0] + " hard=" + limit[1] + " and only root (CAP_SYS_RESOURCE) can raise the"
                    + " hard limit: run with a higher `ulimit -Hn` (e.g. `ulimit -n " + wanted + "` before mvn,"
                    + " LimitNOFILE= in systemd, or --ulimit nofile=" + wanted + " for docker)");
        }
        setFdLimit(wanted, limit[1]);
    }

    // ---- native memory ----

    static long nativeBytes() {
        return NativeMemory.liveBytes();
    }

    // ---- the byte pattern ----

    /** SplitMix64's finaliser: a good 64-bit mix, so that nearby streams and offsets look unrelated. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long word(long stream, long wordIndex) {
        return mix(stream * 0x9E3779B97F4A7C15L + wordIndex);
    }

    /** Byte {@code offset} of pattern stream {@code stream}. */
    static byte patternByte(long stream, long offset) {
        return (byte) (word(stream, offset >>> 3) >>> ((offset & 7) << 3));
    }

    /** Fills {@code length} bytes of {@code dst} starting at {@code at} with the pattern from {@code offset}. */
    static void fillPattern(byte[] dst, int at, int length, long stream, long offset) {
        int i = 0;
        while (i < length && ((offset + i) & 7) != 0) {
            dst[at + i] = patternByte(stream, offset + i);
            i++;
        }
        for (; i + 8 <= length; i += 8) {
            long w = word(stream, (offset + i) >>> 3);
            for (int b = 0; b < 8; b++) {
                dst[at + i + b] = (byte) (w >>> (b << 3));
            }
        }
        for (; i < length; i++) {
            dst[at + i] = patternByte(stream, offset + i);
        }
    }

    /** Writes {@code length} pattern bytes from {@code offset} into {@code buf}. */
    static ByteBuf writePattern(ByteBuf buf, int length, long stream, long offset) {
        byte[] bytes = new byte[length];
        fillPattern(bytes, 0, length, stream, offset);
        return buf.writeBytes(bytes);
    }

    /**
     * Checks {@code length} bytes of {@code src} from {@code at} against the pattern from {@code offset}.
     *
     * @return -1 when they match, else the index (relative to {@code at}) of the first byte that does not
     */
    static int verifyPattern(byte[] src, int at, int length, long stream, long offset) {
        byte[] expected = new byte[length];
        fillPattern(expected, 0, length, stream, offset);
        int mismatch = java.util.Arrays.mismatch(src, at, at + length, expected, 0, length);
        return mismatch;
    }

    /** As {@link #verifyPattern(byte[], int, int, long, long)}, for a buffer's readable bytes (left unread). */
    static int verifyPattern(ByteBuf buf, long stream, long offset) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return verifyPattern(bytes, 0, bytes.length, stream, offset);
    }

    static String mismatchMessage(String what, long stream, long offset, byte actual) {
        return what + ": stream " + stream + " byte " + offset + " is 0x" + Integer.toHexString(actual & 0xFF)
                + ", expected 0x" + Integer.toHexString(patternByte(stream, offset) & 0xFF)
                + " (lost, duplicated, reordered or corrupted data)";
    }

    // ---- event loops ----

    static EventLoopGroup uringGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, UringIoHandler.newFactory());
    }

    static EventLoopGroup uringGroup(int threads, UringIoHandlerConfig config) {
        return new MultiThreadIoEventLoopGroup(threads, UringIoHandler.newFactory(config));
    }

    /** Shuts the groups down (no quiet period) and waits for them, bounded; null entries are skipped. */
    static void shutdown(EventLoopGroup... groups) {
        for (EventLoopGroup group : groups) {
            if (group != null) {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS);
            }
        }
        for (EventLoopGroup group : groups) {
            if (group != null && !group.terminationFuture().awaitUninterruptibly(20, TimeUnit.SECONDS)) {
                throw new AssertionError("event loop group did not terminate within 20 s: " + group);
            }
        }
    }

    /** The metrics of the loop's handler, read on the loop thread. */
    static UringIoHandlerMetrics metrics(EventLoop loop) throws Exception {
        return loop.submit(() -> UringIoHandler.current().metrics()).get(10, TimeUnit.SECONDS);
    }

    /**
     * Waits for a state that has no event to wait on (an fd count, a native memory gauge), polling.
     *
     * @throws AssertionError with {@code message} if it does not hold within {@code timeoutMillis}
     */
    static void awaitCondition(long timeoutMillis, BooleanSupplier condition, Supplier<String> message)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(message.get());
            }
            Thread.sleep(10);
        }
    }

    static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable resource : resources) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception ignored) {
                    // best effort in cleanup
                }
            }
        }
    }

    /** Echoes everything it reads, flushing once per read batch; closes on error. */
    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Releases whatever it reads. */
    @ChannelHandler.Sharable
    static final class DiscardHandler extends ChannelInboundHandlerAdapter {
        static final DiscardHandler INSTANCE = new DiscardHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }
}
