package org.iouring4j.transport;

import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.Opcode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(RequiresUring.class)
@Timeout(60)
class UringIoHandlerTest {

    /** The configurations every behaviour must hold under. */
    static Stream<UringIoHandlerConfig> configs() {
        return Stream.of(
                new UringIoHandlerConfig(),
                new UringIoHandlerConfig().sqPoll(true).sqThreadIdleMillis(10),
                new UringIoHandlerConfig().deferTaskrun(false),
                new UringIoHandlerConfig().singleIssuer(false).deferTaskrun(false).ringSize(8).cqSize(16));
    }

    /** Records what the loop delivers to a handle. */
    static class RecordingHandle implements UringIoHandle {
        final BlockingQueue<int[]> events = new LinkedBlockingQueue<>(); // {opcode, res, data, flags}
        final CountDownLatch unregistered = new CountDownLatch(1);

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            UringIoEvent event = (UringIoEvent) ioEvent;
            events.add(new int[] {event.opcode(), event.res(), event.data(), event.flags()});
        }

        @Override
        public void unregistered() {
            unregistered.countDown();
        }

        @Override
        public void close() {
            // Nothing to release; the loop's shutdown cancels what is in flight.
        }

        int[] next() throws InterruptedException {
            int[] event = events.poll(10, TimeUnit.SECONDS);
            assertNotNull(event, "no completion within 10 s");
            return event;
        }
    }

    private static MultiThreadIoEventLoopGroup group(UringIoHandlerConfig config) {
        return new MultiThreadIoEventLoopGroup(1, UringIoHandler.newFactory(config));
    }

    private static void shutdown(MultiThreadIoEventLoopGroup group) {
        assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS),
                "group did not terminate within 10 s");
    }

    @ParameterizedTest
    @MethodSource("configs")
    void nopsRoundTripThroughARegistration(UringIoHandlerConfig config) throws Exception {
        MultiThreadIoEventLoopGroup group = group(config);
        try {
            IoEventLoop loop = group.next();
            RecordingHandle handle = new RecordingHandle();
            IoRegistration registration = loop.register(handle).get(10, TimeUnit.SECONDS);
            int count = 100; // more than the smallest ring, so the SQ fills and flushes itself
            loop.submit(() -> {
                UringIoOps ops = new UringIoOps();
                for (int i = 0; i < count; i++) {
                    registration.submit(ops.clear().opcode(Opcode.NOP).data(i));
                }
            }).sync();
            boolean[] seen = new boolean[count];
            for (int i = 0; i < count; i++) {
                int[] event = handle.next();
                assertEquals(Opcode.NOP, event[0]);
                assertEquals(0, event[1]);
                assertFalse(seen[event[2]], "completion delivered twice: " + event[2]);
                seen[event[2]] = true;
            }
            // Off-loop submissions hop onto the loop and complete as well.
            long userData = registration.submit(new UringIoOps().opcode(Opcode.NOP).data(7));
            assertTrue(userData != -1);
            assertEquals(7, handle.next()[2]);

            UringIoHandlerMetrics metrics = loop.submit(() -> UringIoHandler.current().metrics()).get();
            assertTrue(metrics.cqesReaped() >= count + 1, metrics.toString());
            assertTrue(config.sqPoll() || metrics.sqesSubmitted() >= count + 1, metrics.toString());
            assertTrue(registration.cancel());
            assertTrue(handle.unregistered.await(10, TimeUnit.SECONDS));
        } finally {
            shutdown(group);
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void crossThreadTasksAllRun(UringIoHandlerConfig config) throws Exception {
        MultiThreadIoEventLoopGroup group = group(config);
        try {
            IoEventLoop loop = group.next();
            int threads = 4;
            int perThread = 2500;
            CountDownLatch ran = new CountDownLatch(threads * perThread);
            List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread producer = new Thread(() -> {
                    for (int i = 0; i < perThread; i++) {
                        loop.execute(ran::countDown);
                        if (i % 100 == 0) {
                            Thread.yield(); // let the loop fall asleep now and then, so wakeups are exercised
                        }
                    }
                });
                producers.add(producer);
                producer.start();
            }
            for (Thread producer : producers) {
                producer.join();
            }
            assertTrue(ran.await(20, TimeUnit.SECONDS), ran.getCount() + " tasks never ran");
        } finally {
            shutdown(group);
        }
    }

    /** A scheduled task must fire on time while the loop is blocked in io_uring_enter with nothing to do. */
    @ParameterizedTest
    @MethodSource("configs")
    void scheduledTaskFiresNearItsDeadlineWhileBlocked(UringIoHandlerConfig config) throws Exception {
        MultiThreadIoEventLoopGroup group = group(config);
        try {
            IoEventLoop loop = group.next();
            loop.submit(() -> { }).sync(); // started and idle
            long[] lateness = new long[5];
            for (int i = 0; i < lateness.length; i++) {
                long delayNanos = TimeUnit.MILLISECONDS.toNanos(30);
                AtomicLong firedAt = new AtomicLong();
                long scheduledAt = System.nanoTime();
                loop.schedule(() -> firedAt.set(System.nanoTime()), delayNanos, TimeUnit.NANOSECONDS)
                        .sync();
                long late = firedAt.get() - scheduledAt - delayNanos;
                assertTrue(late >= 0, "fired " + late + " ns early");
                lateness[i] = late;
            }
            Arrays.sort(lateness);
            long medianMillis = TimeUnit.NANOSECONDS.toMillis(lateness[lateness.length / 2]);
            assertTrue(medianMillis < 10, "median lateness " + medianMillis + " ms: " + Arrays.toString(lateness));
        } finally {
            shutdown(group);
        }
    }

    /**
     * Shutting down with a read a handle left in the kernel: with IORING_ASYNC_CANCEL_ANY the loop cancels it and
     * delivers its completion; without (the floor's feature set), the shutdown still ends, at its 5 s bound, and
     * releases the handle. Either way nothing leaks.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void shutdownWithOpsAHandleLeftInTheKernelEndsAndLeaksNothing(UringIoHandlerConfig config) throws Exception {
        long fdsBefore = openFds();
        long nativeBefore = NativeMemory.liveBytes();
        int[] pair = FileDescriptors.socketPair();
        NativeMemory buffer = NativeMemory.allocate(64);
        MultiThreadIoEventLoopGroup group = group(config);
        RecordingHandle handle = new RecordingHandle();
        try {
            IoEventLoop loop = group.next();
            IoRegistration registration = loop.register(handle).get(10, TimeUnit.SECONDS);
            loop.submit(() -> registration.submit(new UringIoOps().opcode(Opcode.READ).fd(pair[0])
                    .address(buffer.address()).length(64).data(1))).sync();
        } finally {
            shutdown(group);
        }
        if (Uring.isCancelAnyEnabled()) {
            int[] event = handle.next();
            assertEquals(Opcode.READ, event[0]);
            assertEquals(-Errno.ECANCELED, event[1]);
        } else {
            assertTrue(handle.events.isEmpty(), "a completion arrived without CANCEL_ANY: " + handle.events);
        }
        assertTrue(handle.unregistered.await(1, TimeUnit.SECONDS));
        buffer.close();
        FileDescriptors.close(pair[0]);
        FileDescriptors.close(pair[1]);
        assertEquals(fdsBefore, openFds());
        assertEquals(nativeBefore, NativeMemory.liveBytes());
    }

    /**
     * A handle that cancels its ops when the loop closes it (as UringIoHandle's contract asks, and as the
     * channels do) gets every completion, on every kernel, and the shutdown does not wait for its 5 s bound.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void shutdownDeliversTheCompletionsOfOpsAHandleCancels(UringIoHandlerConfig config) throws Exception {
        int[] pair = FileDescriptors.socketPair();
        NativeMemory buffer = NativeMemory.allocate(64);
        MultiThreadIoEventLoopGroup group = group(config);
        CancellingHandle handle = new CancellingHandle();
        long shutdownNanos;
        try {
            IoEventLoop loop = group.next();
            IoRegistration registration = loop.register(handle).get(10, TimeUnit.SECONDS);
            loop.submit(() -> handle.read = registration.submit(new UringIoOps().opcode(Opcode.READ)
                    .fd(pair[0]).address(buffer.address()).length(64).data(1))).sync();
            handle.registration = registration;
        } finally {
            long start = System.nanoTime();
            shutdown(group);
            shutdownNanos = System.nanoTime() - start;
        }
        int[] event = handle.next();
        if (event[0] == Opcode.ASYNC_CANCEL) {
            event = handle.next(); // the cancel's own completion may come first
        }
        assertEquals(Opcode.READ, event[0]);
        assertEquals(-Errno.ECANCELED, event[1]);
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(shutdownNanos) < 4,
                "shutdown took " + TimeUnit.NANOSECONDS.toMillis(shutdownNanos) + " ms: it waited for its bound");
        buffer.close();
        FileDescriptors.close(pair[0]);
        FileDescriptors.close(pair[1]);
    }

    /**
     * A shutdown started by a task on the loop itself: Netty then destroys the handler without calling
     * prepareToDestroy() first. A handle's ops are still cancelled (its close() runs) and a bound server channel's
     * accept too, on every kernel: the loop terminates at once instead of waiting for its 5 s bound.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void aShutdownStartedFromTheLoopStillCancelsEverything(UringIoHandlerConfig config) throws Exception {
        int[] pair = FileDescriptors.socketPair();
        NativeMemory buffer = NativeMemory.allocate(64);
        MultiThreadIoEventLoopGroup group = group(config);
        CancellingHandle handle = new CancellingHandle();
        try {
            IoEventLoop loop = group.next();
            IoRegistration registration = loop.register(handle).get(10, TimeUnit.SECONDS);
            handle.registration = registration;
            loop.submit(() -> handle.read = registration.submit(new UringIoOps().opcode(Opcode.READ)
                    .fd(pair[0]).address(buffer.address()).length(64).data(1))).sync();
            new io.netty.bootstrap.ServerBootstrap().group(group)
                    .channel(UringServerSocketChannel.class).childHandler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(new java.net.InetSocketAddress("127.0.0.1", 0)).sync();
            long start = System.nanoTime();
            loop.execute(() -> group.shutdownGracefully(0, 10, TimeUnit.SECONDS));
            assertTrue(group.awaitTermination(10, TimeUnit.SECONDS), "the loop did not terminate");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 3000, "the loop took " + millis + " ms to terminate: it waited for its bound");
            int[] event = handle.next();
            if (event[0] == Opcode.ASYNC_CANCEL) {
                event = handle.next();
            }
            assertEquals(Opcode.READ, event[0]);
            assertEquals(-Errno.ECANCELED, event[1]);
        } finally {
            shutdown(group);
            buffer.close();
            FileDescriptors.close(pair[0]);
            FileDescriptors.close(pair[1]);
        }
    }

    /** A {@link RecordingHandle} whose close() cancels its read, by the user data submit() returned. */
    static final class CancellingHandle extends RecordingHandle {
        volatile IoRegistration registration;
        volatile long read;

        @Override
        public void close() {
            registration.submit(new UringIoOps().opcode(Opcode.ASYNC_CANCEL).address(read).data(2));
        }
    }

    /**
     * The loop's wakeup eventfd is blocking, so the READ the loop keeps queued on it waits for a wakeup instead of
     * completing at once with -EAGAIN (what a READ of an O_NONBLOCK file does on kernels that honour the flag for
     * io_uring reads, turning the re-armed READ into a busy loop); and an idle loop sleeps: a handful of iterations
     * in 300 ms, not millions.
     */
    @ParameterizedTest
    @MethodSource("configs")
    void wakeupEventFdIsBlockingAndAnIdleLoopSleeps(UringIoHandlerConfig config) throws Exception {
        Map<Integer, String> before = fdTargets();
        MultiThreadIoEventLoopGroup group = group(config);
        try {
            IoEventLoop loop = group.next();
            loop.submit(() -> { }).sync(); // the loop thread has set its ring and eventfd up
            List<Integer> eventFds = new ArrayList<>();
            fdTargets().forEach((fd, target) -> {
                if (target.equals("anon_inode:[eventfd]") && !target.equals(before.get(fd))) {
                    eventFds.add(fd);
                }
            });
            assertEquals(1, eventFds.size(), "the loop's eventfds: " + eventFds);
            int flags = fileStatusFlags(eventFds.get(0));
            assertEquals(0, flags & O_NONBLOCK, "the wakeup eventfd is O_NONBLOCK: flags 0" + Integer.toOctalString(flags));

            long iterationsBefore = loop.submit(() -> UringIoHandler.current().metrics().iterations()).get();
            Thread.sleep(300); // a window to count iterations in, not a synchronisation
            long iterations = loop.submit(() -> UringIoHandler.current().metrics().iterations()).get()
                    - iterationsBefore;
            assertTrue(iterations <= 20, iterations + " loop iterations in 300 ms of idleness");
        } finally {
            shutdown(group);
        }
    }

    private static final int O_NONBLOCK = 0x800;

    /** fd → what it refers to, from /proc/self/fd. */
    private static Map<Integer, String> fdTargets() throws IOException {
        Map<Integer, String> targets = new HashMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    targets.put(Integer.parseInt(fd.getFileName().toString()), Files.readSymbolicLink(fd).toString());
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own fd, or one closed while listing
                }
            }
        }
        return targets;
    }

    /** The {@code flags:} line of {@code /proc/self/fdinfo/FD}: the file's status flags, in octal. */
    private static int fileStatusFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring("flags:".length()).trim(), 8);
            }
        }
        throw new IllegalStateException("no flags line in /proc/self/fdinfo/" + fd);
    }

    /** A cancelled registration stays until its last completion has been delivered to it. */
    @Test
    void cancelledRegistrationIsReleasedOnlyAfterItsLastCompletion() throws Exception {
        int[] pair = FileDescriptors.socketPair();
        NativeMemory buffer = NativeMemory.allocate(64);
        MultiThreadIoEventLoopGroup group = group(new UringIoHandlerConfig());
        try {
            IoEventLoop loop = group.next();
            RecordingHandle handle = new RecordingHandle();
            IoRegistration registration = loop.register(handle).get(10, TimeUnit.SECONDS);
            loop.submit(() -> {
                registration.submit(new UringIoOps().opcode(Opcode.READ).fd(pair[0]).address(buffer.address())
                        .length(64).data(3));
                registration.cancel();
            }).sync();
            assertFalse(registration.isValid());
            assertEquals(-1, registration.submit(new UringIoOps().opcode(Opcode.NOP)));
            assertEquals(1, (int) loop.submit(() -> UringIoHandler.current().registrationCount()).get());
            assertEquals(1, handle.unregistered.getCount(), "released while a read was still in the kernel");

            buffer.putLong(0, 0x0102030405060708L);
            assertEquals(8, FileDescriptors.write(pair[1], buffer.address(), 8));
            int[] event = handle.next();
            assertEquals(8, event[1]);
            assertEquals(3, event[2]);
            assertTrue(handle.unregistered.await(10, TimeUnit.SECONDS));
            assertEquals(0, (int) loop.submit(() -> UringIoHandler.current().registrationCount()).get());
        } finally {
            shutdown(group);
            buffer.close();
            FileDescriptors.close(pair[0]);
            FileDescriptors.close(pair[1]);
        }
    }

    /**
     * A handle that cancels its registration inside {@code handle()}, on its last completion, is released once: its
     * id is not freed twice, which would give it to two later registrations and route one's completions to the other.
     */
    @Test
    void aRegistrationCancelledInsideItsLastCompletionIsReleasedOnce() throws Exception {
        MultiThreadIoEventLoopGroup group = group(new UringIoHandlerConfig());
        try {
            IoEventLoop loop = group.next();
            int baseline = loop.submit(() -> UringIoHandler.current().registrationCount()).get();
            RecordingHandle selfCancelling = new RecordingHandle() {
                @Override
                public void handle(IoRegistration registration, IoEvent ioEvent) {
                    super.handle(registration, ioEvent);
                    registration.cancel();
                }
            };
            IoRegistration registration = loop.register(selfCancelling).get(10, TimeUnit.SECONDS);
            registration.submit(new UringIoOps().opcode(Opcode.NOP).data(1));
            assertEquals(1, selfCancelling.next()[2]);
            assertTrue(selfCancelling.unregistered.await(10, TimeUnit.SECONDS));
            assertEquals(baseline, (int) loop.submit(() -> UringIoHandler.current().registrationCount()).get());

            RecordingHandle first = new RecordingHandle();
            RecordingHandle second = new RecordingHandle();
            IoRegistration firstRegistration = loop.register(first).get(10, TimeUnit.SECONDS);
            IoRegistration secondRegistration = loop.register(second).get(10, TimeUnit.SECONDS);
            assertEquals(baseline + 2, (int) loop.submit(() -> UringIoHandler.current().registrationCount()).get());
            firstRegistration.submit(new UringIoOps().opcode(Opcode.NOP).data(11));
            secondRegistration.submit(new UringIoOps().opcode(Opcode.NOP).data(22));
            assertEquals(11, first.next()[2]);
            assertEquals(22, second.next()[2]);
            assertTrue(first.events.isEmpty() && second.events.isEmpty(), "a completion went to the wrong handle");
        } finally {
            shutdown(group);
        }
    }

    /** Creating and shutting down a group 1,000 times leaves no fd and no native memory behind. */
    @Test
    @Timeout(120)
    void thousandGroupLifecyclesLeakNothing() throws Exception {
        IoHandlerFactory factory = UringIoHandler.newFactory(new UringIoHandlerConfig().ringSize(64));
        // Warm up once so lazily created process-wide resources are not counted as leaks.
        cycle(factory);
        long fdsBefore = openFds();
        long nativeBefore = NativeMemory.liveBytes();
        for (int i = 0; i < 1000; i++) {
            cycle(factory);
        }
        assertEquals(fdsBefore, openFds());
        assertEquals(nativeBefore, NativeMemory.liveBytes());
    }

    private static void cycle(IoHandlerFactory factory) throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, factory);
        Future<?> started = group.next().submit(() -> { });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        shutdown(group);
    }

    /**
     * The process's open sockets, pipes and anonymous-inode fds (rings, eventfds): what a loop or a test's socket
     * pair opens. Files are left out: the JVM opens and closes some now and then on threads of its own (seen as
     * the total count one above or below its baseline for an instant in about one run in four).
     */
    static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(UringIoHandlerTest::linkTarget)
                    .filter(target -> target.startsWith("socket:") || target.startsWith("pipe:")
                            || target.startsWith("anon_inode:"))
                    .count();
        }
    }

    private static String linkTarget(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return ""; // closed meanwhile
        }
    }
}
