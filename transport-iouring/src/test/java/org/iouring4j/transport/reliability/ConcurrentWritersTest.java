package org.iouring4j.transport.reliability;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import org.iouring4j.transport.RequiresUring;
import org.iouring4j.transport.UringServerSocketChannel;
import org.iouring4j.transport.UringSocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many threads writing, flushing and closing the same channels at random. Every frame carries its origin
 * (connection, thread, sequence number) and a CRC32C, so the receiver can check each one: no frame corrupted,
 * torn, duplicated or reordered within its thread; every frame whose write succeeded arrives; and every buffer
 * is released, with Netty's paranoid leak detector checked at the end ({@link LeakCheck}).
 *
 * <p>Each thread's choices come from a {@link Random} seeded from one printed seed
 * ({@code -Diouring4j.reliability.seed=...} repeats a run's choices; the threads' interleaving is the
 * scheduler's).
 */
@ExtendWith({RequiresUring.class, LeakCheck.class})
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ConcurrentWritersTest {
    private static final int MAGIC = 0x1F2E3D4C;
    /** magic, connection, thread, sequence (8), payload length, crc. */
    private static final int HEADER = 4 + 4 + 4 + 8 + 4 + 4;
    private static final int THREADS = 8;
    private static final int SLOTS = 16;
    private static final int OPS_PER_THREAD = 2500;

    private EventLoopGroup serverGroup;
    private EventLoopGroup clientGroup;

    private final Set<Long> attempted = ConcurrentHashMap.newKeySet();
    private final Set<Long> succeeded = ConcurrentHashMap.newKeySet();
    private final Set<Long> received = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> failureKinds = new ConcurrentHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private final List<ByteBuf> unpooledWritten = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong promisesOutstanding = new AtomicLong();
    private final AtomicInteger truncatedTails = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();

    @AfterEach
    void shutdown() {
        Reliability.shutdown(clientGroup, serverGroup);
    }

    private static long key(int connection, int thread, long seq) {
        return ((long) connection << 48) | ((long) thread << 40) | seq;
    }

    @Test
    void randomWritesFlushesAndClosesFromManyThreadsLoseAndCorruptNothing() throws Exception {
        long seed = Long.getLong("iouring4j.reliability.seed", System.nanoTime());
        System.out.println("ConcurrentWritersTest seed: " + seed + " (repeat with -Diouring4j.reliability.seed=" + seed + ")");
        serverGroup = Reliability.uringGroup(1);
        clientGroup = Reliability.uringGroup(2);
        ChildCounter counter = new ChildCounter();
        Channel server = new ServerBootstrap().group(serverGroup).channel(UringServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(counter, new FrameVerifier());
                    }
                })
                .bind(Reliability.LOOPBACK).sync().channel();
        SocketAddress address = server.localAddress();
        Bootstrap bootstrap = new Bootstrap().group(clientGroup).channel(UringSocketChannel.class)
                .handler(Reliability.DiscardHandler.INSTANCE);
        AtomicInteger connectionIds = new AtomicInteger();
        AtomicReferenceArray<Channel> slots = new AtomicReferenceArray<>(SLOTS);
        Map<Channel, Integer> idOf = new ConcurrentHashMap<>();
        for (int s = 0; s < SLOTS; s++) {
            Channel ch = bootstrap.connect(address).sync().channel();
            idOf.put(ch, connectionIds.incrementAndGet());
            slots.set(s, ch);
        }

        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int thread = t;
            Random random = new Random(seed + 0x9E3779B97F4A7C15L * (t + 1));
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    long seq = 0;
                    for (int op = 0; op < OPS_PER_THREAD; op++) {
                        int slot = random.nextInt(SLOTS);
                        Channel ch = slots.get(slot);
                        int id = idOf.get(ch);
                        int action = random.nextInt(1000);
                        if (action < 850) {
                            ByteBuf frame = frame(random, id, thread, ++seq);
                            long k = key(id, thread, seq);
                            attempted.add(k);
                            promisesOutstanding.incrementAndGet();
                            ChannelFuture f = action < 600 ? ch.write(frame) : ch.writeAndFlush(frame);
                            f.addListener(done -> {
                                if (done.isSuccess()) {
                                    succeeded.add(k);
                                } else {
                                    failed(done.cause());
                                }
                                promisesOutstanding.decrementAndGet();
                            });
                        } else if (action < 995) {
                            ch.flush();
                        } else {
                            // Close it and put a new connection in its slot; other threads may still hold the old one.
                            Channel replacement = bootstrap.connect(address).sync().channel();
                            idOf.put(replacement, connectionIds.incrementAndGet());
                            if (slots.compareAndSet(slot, ch, replacement)) {
                                closes.incrementAndGet();
                                ch.close();
                            } else {
                                replacement.close();
                            }
                        }
                    }
                } catch (Throwable e) {
                    errors.add("writer thread " + thread + " failed: " + e);
                }
            }, "random-writer-" + t);
            threads.add(worker);
            worker.start();
        }
        start.countDown();
        for (Thread worker : threads) {
            worker.join(TimeUnit.SECONDS.toMillis(45));
        }
        for (Thread worker : threads) {
            if (worker.isAlive()) {
                StringBuilder dump = new StringBuilder();
                Thread.getAllStackTraces().forEach((th, stack) -> {
                    dump.append('\n').append(th).append('\n');
                    for (StackTraceElement e : stack) {
                        dump.append("    at ").append(e).append('\n');
                    }
                });
                throw new AssertionError(worker.getName() + " still running after 45 s (deadlock?)" + dump);
            }
        }

        for (Channel ch : idOf.keySet()) {
            ch.flush();
            ch.close().sync();
        }
        Reliability.awaitCondition(20_000, () -> promisesOutstanding.get() == 0,
                () -> promisesOutstanding.get() + " write promises never completed");
        Reliability.awaitCondition(20_000, () -> counter.active.get() == 0,
                () -> counter.active.get() + " server channels still open after every client closed");

        System.out.printf("%d threads x %d ops on %d slots: %d connections (%d closed at random), %d frames written,"
                + " %d succeeded, %d failed %s, %d received, %d torn tails at a close%n", THREADS, OPS_PER_THREAD,
                SLOTS, connectionIds.get(), closes.get(), attempted.size(), succeeded.size(),
                attempted.size() - succeeded.size(), failureKinds, received.size(), truncatedTails.get());
        assertTrue(errors.isEmpty(), () -> errors.size() + " errors, first: " + String.join("\n", errors.subList(0,
                Math.min(10, errors.size()))));
        List<Long> lost = new ArrayList<>();
        for (long k : succeeded) {
            if (!received.contains(k)) {
                lost.add(k);
            }
        }
        assertTrue(lost.isEmpty(), () -> lost.size() + " frames whose write succeeded never arrived, e.g. "
                + describe(lost.get(0)));
        for (long k : received) {
            assertTrue(attempted.contains(k), () -> "received a frame that was never written: " + describe(k));
        }
        assertTrue(succeeded.size() > attempted.size() / 2, "most writes should succeed: " + succeeded.size()
                + " of " + attempted.size());
        Reliability.awaitCondition(5000, () -> unreleasedCount() == 0,
                () -> unreleasedCount() + " written buffers never released");
        server.close().sync();
    }

    private long unreleasedCount() {
        synchronized (unpooledWritten) {
            return unpooledWritten.stream().filter(b -> b.refCnt() != 0).count();
        }
    }

    private static String describe(long k) {
        return "connection " + (k >>> 48) + " thread " + ((k >>> 40) & 0xFF) + " seq " + (k & 0xFF_FFFF_FFFFL);
    }

    private void failed(Throwable cause) {
        // A write racing a close fails with ClosedChannelException (an IOException); anything else is a bug.
        failureKinds.computeIfAbsent(cause.getClass().getSimpleName(), x -> new AtomicInteger()).incrementAndGet();
        if (!(cause instanceof IOException)) {
            errors.add("write failed with " + cause);
        }
    }

    /**
     * A frame with a random payload (mostly small, some large enough to be written partially), as a pooled
     * direct buffer, an unpooled heap buffer (which the channel copies), or a composite of header and payload.
     * Unpooled ones are remembered: after release a pooled buffer is recycled, so its refCnt says nothing.
     */
    private ByteBuf frame(Random random, int connection, int thread, long seq) {
        int size = random.nextInt(100);
        int length = size < 90 ? random.nextInt(2048) : size < 99 ? random.nextInt(32 * 1024) : 256 * 1024;
        byte[] payload = new byte[length];
        random.nextBytes(payload);
        CRC32C crc = new CRC32C();
        crc.update(payload);
        crc.update(connection);
        crc.update(thread);
        crc.update((int) seq);
        int kind = random.nextInt(10);
        ByteBuf header = kind < 4 ? ByteBufAllocator.DEFAULT.directBuffer(HEADER + length)
                : kind < 7 ? Unpooled.buffer(HEADER + length) : Unpooled.directBuffer(HEADER);
        header.writeInt(MAGIC).writeInt(connection).writeInt(thread).writeLong(seq).writeInt(length)
                .writeInt((int) crc.getValue());
        if (kind < 7) {
            ByteBuf frame = header.writeBytes(payload);
            if (kind >= 4) {
                unpooledWritten.add(frame);
            }
            return frame;
        }
        CompositeByteBuf composite = Unpooled.compositeBuffer(2);
        composite.addComponents(true, header, Unpooled.directBuffer(length).writeBytes(payload));
        unpooledWritten.add(composite);
        return composite;
    }

    /** Parses the frames of one connection and checks each. */
    private final class FrameVerifier extends ChannelInboundHandlerAdapter {
        private ByteBuf cumulation;
        private long offset;
        private int connection = -1;
        private final Map<Integer, Long> lastSeq = new ConcurrentHashMap<>();

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            cumulation = ctx.alloc().heapBuffer();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (cumulation.isReadable()) {
                truncatedTails.incrementAndGet(); // the client closed while a write of a frame was in flight
            }
            cumulation.release();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                cumulation.writeBytes(in);
            } finally {
                in.release();
            }
            while (cumulation.readableBytes() >= HEADER) {
                int at = cumulation.readerIndex();
                if (cumulation.getInt(at) != MAGIC) {
                    fail(ctx, "no frame magic at stream offset " + offset + " of connection " + connection
                            + " (torn or corrupted frame)");
                    return;
                }
                int length = cumulation.getInt(at + 20);
                if (length < 0 || length > 256 * 1024) {
                    fail(ctx, "bad frame length " + length + " at offset " + offset);
                    return;
                }
                if (cumulation.readableBytes() < HEADER + length) {
                    break;
                }
                int conn = cumulation.getInt(at + 4);
                int thread = cumulation.getInt(at + 8);
                long seq = cumulation.getLong(at + 12);
                int crcValue = cumulation.getInt(at + 24);
                byte[] payload = new byte[length];
                cumulation.getBytes(at + HEADER, payload);
                CRC32C crc = new CRC32C();
                crc.update(payload);
                crc.update(conn);
                crc.update(thread);
                crc.update((int) seq);
                long k = key(conn, thread, seq);
                if ((int) crc.getValue() != crcValue) {
                    fail(ctx, "CRC mismatch in " + describe(k) + " at offset " + offset);
                    return;
                }
                if (connection == -1) {
                    connection = conn;
                } else if (connection != conn) {
                    fail(ctx, "frame of connection " + conn + " arrived on connection " + connection);
                    return;
                }
                Long last = lastSeq.put(thread, seq);
                if (last != null && seq <= last) {
                    fail(ctx, "reordered: " + describe(k) + " after seq " + last);
                    return;
                }
                if (!received.add(k)) {
                    fail(ctx, "duplicated: " + describe(k));
                    return;
                }
                cumulation.skipBytes(HEADER + length);
                offset += HEADER + length;
            }
            cumulation.discardReadBytes();
        }

        private void fail(ChannelHandlerContext ctx, String error) {
            errors.add(error);
            cumulation.clear();
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.add("server channel of connection " + connection + ": " + cause);
            ctx.close();
        }
    }
}
