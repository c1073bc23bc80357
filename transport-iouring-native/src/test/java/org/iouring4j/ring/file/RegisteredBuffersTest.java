package org.iouring4j.ring.file;

import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeMemory;
import org.iouring4j.ring.RequiresIoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.iouring4j.ring.file.FileTests.await;
import static org.iouring4j.ring.file.FileTests.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** READ_FIXED and WRITE_FIXED through a driver's pool of registered buffers. */
@ExtendWith(RequiresIoUring.class)
@Timeout(60)
class RegisteredBuffersTest {
    @TempDir
    Path dir;

    @Test
    void poolIsPageAlignedAndRoundsSizesUpToPages() throws Exception {
        long baseline = FileTests.nativeBaseline();
        try (UringFileDriver driver = UringFileDriver.builder().registeredBuffers(3, 5000).start()) {
            RegisteredBuffers pool = driver.registeredBuffers();
            assertEquals(3, pool.count());
            assertEquals(8192, pool.bufferSize());
            List<RegisteredBuffer> taken = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                RegisteredBuffer buffer = pool.tryAcquire();
                assertTrue(DirectIo.isAligned(buffer.address(), 4096), "page-aligned: " + buffer.address());
                assertEquals(8192, buffer.capacity());
                assertEquals(8192, buffer.byteBuffer().remaining());
                assertTrue(buffer.byteBuffer().isDirect());
                taken.add(buffer);
            }
            assertNull(pool.tryAcquire(), "all taken");
            assertNull(pool.acquire(10, TimeUnit.MILLISECONDS));
            taken.forEach(RegisteredBuffer::release);
            assertEquals(3, pool.available());
            assertThrows(IllegalStateException.class, () -> taken.get(0).release());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void writeFixedThenReadFixedRoundTrips() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("fixed");
        byte[] data = pattern(6000, 1);
        try (UringFileDriver driver = UringFileDriver.builder().registeredBuffers(2, 8192).start()) {
            UringFile file = await(driver.open(path, FileDescriptors.O_RDWR | FileDescriptors.O_CREAT, 0600));
            RegisteredBuffer out = driver.registeredBuffers().tryAcquire();
            RegisteredBuffer in = driver.registeredBuffers().tryAcquire();
            out.byteBuffer().put(100, data);
            assertEquals(6000, await(file.write(out, 100, 6000, 4096)));
            assertArrayEquals(data, Arrays.copyOfRange(Files.readAllBytes(path), 4096, 10096));
            assertEquals(6000, await(file.read(in, 0, 8192, 4096)), "a fixed read is short at end of file too");
            byte[] back = new byte[6000];
            in.byteBuffer().get(0, back);
            assertArrayEquals(data, back);
            assertEquals(0, in.byteBuffer().position(), "fixed ops leave the view's position alone");
            out.release();
            in.release();
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /** A few buffers serve thousands of reads, many in flight at once, each buffer reused after its op completed. */
    @Test
    void buffersAreReusedAcrossThousandsOfOps() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("reused");
        int blocks = 256;
        byte[] data = pattern(blocks * 4096, 2);
        Files.write(path, data);
        int rounds = 500;
        int buffers = 8;
        try (UringFileDriver driver = UringFileDriver.builder().registeredBuffers(buffers, 4096).start()) {
            UringFile file = await(driver.open(path));
            RegisteredBuffers pool = driver.registeredBuffers();
            byte[] got = new byte[4096];
            for (int round = 0; round < rounds; round++) {
                List<CompletableFuture<Integer>> reads = new ArrayList<>();
                List<RegisteredBuffer> used = new ArrayList<>();
                List<Integer> blocksRead = new ArrayList<>();
                for (int i = 0; i < buffers; i++) {
                    RegisteredBuffer buffer = pool.acquire(1, TimeUnit.SECONDS);
                    int block = (round * buffers + i * 37) % blocks;
                    reads.add(file.read(buffer, 0, 4096, block * 4096L));
                    used.add(buffer);
                    blocksRead.add(block);
                }
                for (int i = 0; i < buffers; i++) {
                    assertEquals(4096, await(reads.get(i)));
                    used.get(i).byteBuffer().get(0, got);
                    int from = blocksRead.get(i) * 4096;
                    if (!Arrays.equals(data, from, from + 4096, got, 0, 4096)) {
                        throw new AssertionError("round " + round + ", buffer " + used.get(i).index()
                                + ": wrong bytes for block " + blocksRead.get(i));
                    }
                    used.get(i).release();
                }
            }
            assertEquals(buffers, pool.available());
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    @Test
    void foreignBuffersAndOutOfRangeSlicesAreRefused() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path path = dir.resolve("foreign");
        Files.write(path, pattern(10, 3));
        try (UringFileDriver one = UringFileDriver.builder().registeredBuffers(1, 4096).start();
             UringFileDriver other = UringFileDriver.builder().registeredBuffers(1, 4096).start();
             UringFileDriver none = UringFileDriver.builder().start()) {
            UringFile file = await(one.open(path));
            RegisteredBuffer foreign = other.registeredBuffers().tryAcquire();
            assertThrows(IllegalArgumentException.class, () -> file.read(foreign, 0, 10, 0));
            RegisteredBuffer own = one.registeredBuffers().tryAcquire();
            assertThrows(IndexOutOfBoundsException.class, () -> file.read(own, 4000, 100, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> file.read(own, -1, 10, 0));
            assertThrows(IllegalStateException.class, none::registeredBuffers);
            UringFile unpooled = await(none.open(path));
            assertThrows(IllegalArgumentException.class, () -> unpooled.read(own, 0, 10, 0));
            foreign.release();
            own.release();
        }
        FileTests.assertNoLeaks(baseline, dir);
    }

    /** A buffer still held when the driver closes stays mapped (no crash on touching it) until it comes back. */
    @Test
    void poolIsUnmappedOnlyOnceTheLastBufferIsBack() throws Exception {
        long baseline = FileTests.nativeBaseline();
        UringFileDriver driver = UringFileDriver.builder().registeredBuffers(2, 4096).start();
        RegisteredBuffer held = driver.registeredBuffers().tryAcquire();
        driver.close();
        ByteBuffer view = held.byteBuffer();
        view.put(0, (byte) 42);
        assertEquals(42, view.get(0));
        assertTrue(NativeMemory.liveBytes() >= baseline + 2 * 4096, "still mapped while held");
        held.release();
        FileTests.assertNoLeaks(baseline, dir);
    }
}
