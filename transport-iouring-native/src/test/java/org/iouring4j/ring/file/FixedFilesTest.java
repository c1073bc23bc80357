package org.iouring4j.ring.file;

import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.RequiresIoUring;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.iouring4j.ring.file.FileTests.await;
import static org.iouring4j.ring.file.FileTests.directOf;
import static org.iouring4j.ring.file.FileTests.filledOf;
import static org.iouring4j.ring.file.FileTests.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Registered (fixed) files: files take table slots while there are free ones, and give them back on close. */
@ExtendWith(RequiresIoUring.class)
@Timeout(30)
class FixedFilesTest {
    @TempDir
    Path dir;

    @Test
    void filesTakeFreeSlotsAndWorkThroughThem() throws Exception {
        long baseline = FileTests.nativeBaseline();
        Path[] paths = new Path[3];
        for (int i = 0; i < 3; i++) {
            paths[i] = dir.resolve("f" + i);
            Files.write(paths[i], pattern(100, i));
        }
        try (UringFileDriver driver = UringFileDriver.builder().fixedFiles(2).registeredBuffers(1, 4096).start()) {
            UringFile first = await(driver.open(paths[0], FileDescriptors.O_RDWR, 0));
            UringFile second = await(driver.open(paths[1], FileDescriptors.O_RDWR, 0));
            UringFile third = await(driver.open(paths[2], FileDescriptors.O_RDWR, 0));
            assertTrue(first.isRegistered());
            assertTrue(second.isRegistered());
            assertFalse(third.isRegistered(), "two slots, three files: the third works by its fd");
            UringFile[] files = {first, second, third};
            for (int i = 0; i < 3; i++) {
                ByteBuffer dst = ByteBuffer.allocateDirect(100);
                assertEquals(100, await(files[i].read(dst, 0)));
                assertArrayEquals(pattern(100, i), filledOf(dst));
                assertEquals(3, await(files[i].write(directOf(new byte[] {7, 8, 9}), 100)));
                await(files[i].sync());
            }
            RegisteredBuffer buffer = driver.registeredBuffers().tryAcquire();
            assertEquals(103, await(first.read(buffer, 0, 4096, 0)), "fixed file and fixed buffer together");
            buffer.release();

            await(first.closeAsync());
            UringFile fourth = await(driver.open(paths[0]));
            assertTrue(fourth.isRegistered(), "the closed file's slot is free again");
            ByteBuffer dst = ByteBuffer.allocateDirect(103);
            assertEquals(103, await(fourth.read(dst, 0)));
        }
        FileTests.assertNoLeaks(baseline, dir);
    }
}
