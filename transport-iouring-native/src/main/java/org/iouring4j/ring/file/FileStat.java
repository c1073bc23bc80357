package org.iouring4j.ring.file;

/**
 * What {@code statx(2)} says about an open file ({@link UringFile#stat()}).
 *
 * @param size                 the file's size in bytes
 * @param blockSize            the preferred I/O block size ({@code stx_blksize})
 * @param mode                 type and permission bits ({@code stx_mode}, e.g. {@code 0100644} for a regular file)
 * @param directIoMemoryAlignment the alignment O_DIRECT needs of buffer addresses ({@code stx_dio_mem_align}),
 *                             or 0 when the file system does not say or does not support O_DIRECT on this file
 * @param directIoOffsetAlignment the alignment O_DIRECT needs of file offsets and lengths
 *                             ({@code stx_dio_offset_align}), or 0 as above
 */
public record FileStat(long size, int blockSize, int mode, int directIoMemoryAlignment, int directIoOffsetAlignment) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFDIR = 0040000;

    /** Whether it is a regular file. */
    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    /** Whether it is a directory. */
    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    /** Whether the file system reported O_DIRECT alignment for this file (Linux 6.1+, most disk file systems). */
    public boolean reportsDirectIoAlignment() {
        return directIoOffsetAlignment > 0;
    }
}
