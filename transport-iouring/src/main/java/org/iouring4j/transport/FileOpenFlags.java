package org.iouring4j.transport;

import org.iouring4j.ring.FileDescriptors;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;

/**
 * The {@code open(2)} flags of a set of {@link OpenOption}s, with {@link java.nio.channels.FileChannel#open}'s
 * rules, so that {@link UringLoopFile#open} takes the options a Java programmer already passes to a
 * {@code FileChannel}: reading unless {@code WRITE} or {@code APPEND} is given; {@code CREATE},
 * {@code CREATE_NEW} and {@code TRUNCATE_EXISTING} count only when writing; {@code APPEND} excludes {@code READ}
 * and {@code TRUNCATE_EXISTING}; {@code SPARSE} is a hint Linux does not need.
 */
final class FileOpenFlags {
    private FileOpenFlags() {
    }

    /**
     * @throws IllegalArgumentException      for a combination {@code FileChannel} refuses too
     * @throws UnsupportedOperationException for an option the loop's files do not implement ({@code SYNC},
     *                                       {@code DELETE_ON_CLOSE}, {@code LinkOption.NOFOLLOW_LINKS}, others')
     */
    static int of(OpenOption... options) {
        boolean read = false;
        boolean write = false;
        boolean append = false;
        boolean create = false;
        boolean createNew = false;
        boolean truncate = false;
        boolean dsync = false;
        for (OpenOption option : options) {
            if (option == StandardOpenOption.READ) {
                read = true;
            } else if (option == StandardOpenOption.WRITE) {
                write = true;
            } else if (option == StandardOpenOption.APPEND) {
                append = true;
            } else if (option == StandardOpenOption.CREATE) {
                create = true;
            } else if (option == StandardOpenOption.CREATE_NEW) {
                createNew = true;
            } else if (option == StandardOpenOption.TRUNCATE_EXISTING) {
                truncate = true;
            } else if (option == StandardOpenOption.DSYNC) {
                dsync = true;
            } else if (option != StandardOpenOption.SPARSE) {
                throw new UnsupportedOperationException(option + " is not supported by UringLoopFile");
            }
        }
        if (append && read) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && truncate) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        boolean writing = write || append;
        int flags = writing ? (read ? FileDescriptors.O_RDWR : FileDescriptors.O_WRONLY) : FileDescriptors.O_RDONLY;
        if (append) {
            flags |= FileDescriptors.O_APPEND;
        }
        if (writing && createNew) {
            flags |= FileDescriptors.O_CREAT | FileDescriptors.O_EXCL;
        } else if (writing && create) {
            flags |= FileDescriptors.O_CREAT;
        }
        if (writing && truncate) {
            flags |= FileDescriptors.O_TRUNC;
        }
        if (dsync) {
            flags |= FileDescriptors.O_DSYNC;
        }
        // Never inherited by a child process, as every descriptor Java opens.
        return flags | FileDescriptors.O_CLOEXEC;
    }
}
