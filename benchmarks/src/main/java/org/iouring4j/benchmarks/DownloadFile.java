package org.iouring4j.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The file the download scenario's {@code FileServer} sends (and the static-file scenario's {@code StaticFileServer}
 * serves), made for one scenario and deleted after it.
 */
final class DownloadFile {
    /** The file's name in its directory. */
    static final String NAME = "download.bin";
    private static final int BLOCK = 1 << 20;

    private DownloadFile() {
    }

    /**
     * Writes {@code bytes} bytes into a new file in a new temporary directory. Filled, not sparse: a sparse file's
     * holes would be served from the zero page rather than from the page cache as a real file's data is. The bytes
     * are one random block, none of them zero, repeated: cheap to write and not all alike. Both are deleted on exit
     * too, should the run be stopped before {@link #delete}.
     */
    static Path create(long bytes) throws IOException {
        Path dir = Files.createTempDirectory("iouring4j-download");
        Path file = dir.resolve(NAME);
        // Deleted on exit in the reverse order: the file, then its directory.
        dir.toFile().deleteOnExit();
        file.toFile().deleteOnExit();
        byte[] block = new byte[BLOCK];
        SplittableRandom random = new SplittableRandom(BLOCK);
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (1 + random.nextInt(255));
        }
        ByteBuffer buffer = ByteBuffer.wrap(block);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long written = 0;
            while (written < bytes) {
                buffer.clear().limit((int) Math.min(BLOCK, bytes - written));
                while (buffer.hasRemaining()) {
                    written += out.write(buffer);
                }
            }
        }
        return file;
    }

    /** Deletes the file and its directory. */
    static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(file.getParent());
    }
}
