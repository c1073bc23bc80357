package org.iouring4j.transport;

import io.netty.channel.DefaultFileRegion;
import io.netty.util.internal.PlatformDependent;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.FileDescriptor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The file of a {@link DefaultFileRegion} as a descriptor the kernel can SPLICE from, found without JNI.
 *
 * <p>A region holds either a {@link File} (opened lazily) or a {@link FileChannel}, in private fields that this
 * class reads once per region (the fields' handles are looked up once per JVM). The descriptor handed out is always
 * this transport's own, closed by the caller when the region is done, so the region's channel may close at any
 * time (Netty releases, and so closes, a region as soon as a channel closes) without the kernel reading through a
 * descriptor number already reused:
 * <ol>
 * <li>a region built from a {@code FileChannel} (or already opened): a duplicate of that channel's descriptor, read
 *     from {@code sun.nio.ch.FileChannelImpl.fd} and {@code java.io.FileDescriptor.fd}, which Java opens to us only
 *     with {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED} (on the
 *     module path {@code =org.iouring4j.transport}); without them, through the field offsets of Netty's
 *     {@code Unsafe} where Netty has it;</li>
 * <li>a region built from a {@code File}: the file opened read-only by its path;</li>
 * <li>otherwise none, and the region is copied through a buffer ({@link FileRegionWrite}), which is said once.</li>
 * </ol>
 * On the class path reading the region's own fields needs no flag. On the module path Netty's {@code io.netty.transport}
 * module does not open {@code io.netty.channel}: regions are then copied, unless the JVM runs with
 * {@code --add-opens io.netty.transport/io.netty.channel=org.iouring4j.transport} (said once, at the first region).
 */
final class FileRegionDescriptor {
    private static final Logger logger = LoggerFactory.getLogger(FileRegionDescriptor.class);

    /** How the descriptor inside a {@code FileChannel} is read, decided once per JVM. */
    enum ChannelAccess {
        /** By reflection: the JVM runs with the two {@code --add-opens}. */
        REFLECTION,
        /** By field offsets through Netty's {@code Unsafe}. */
        UNSAFE,
        /** Not at all: regions built from a {@code FileChannel} are copied. */
        NONE
    }

    private static final VarHandle REGION_FILE;
    private static final VarHandle REGION_CHANNEL;
    private static final VarHandle REGION_TRANSFERRED;
    /** Why the region's own fields cannot be used (then nothing is spliced); null when they can. */
    private static final Throwable REGION_ACCESS_FAILURE;

    private static final Class<?> FILE_CHANNEL_IMPL;
    private static final ChannelAccess CHANNEL_ACCESS;
    private static final VarHandle CHANNEL_FD;
    private static final VarHandle DESCRIPTOR_FD;
    private static final long CHANNEL_FD_OFFSET;
    private static final long DESCRIPTOR_FD_OFFSET;

    private static final AtomicBoolean CHANNEL_COPY_LOGGED = new AtomicBoolean();
    private static final AtomicBoolean REGION_COPY_LOGGED = new AtomicBoolean();

    /** Whom an {@code --add-opens} has to name: this module on the module path, else every class-path class. */
    private static final String OPENS_TARGET = FileRegionDescriptor.class.getModule().isNamed()
            ? FileRegionDescriptor.class.getModule().getName() : "ALL-UNNAMED";

    static {
        VarHandle file = null;
        VarHandle channel = null;
        VarHandle transferred = null;
        Throwable failure = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(DefaultFileRegion.class, MethodHandles.lookup());
            file = lookup.findVarHandle(DefaultFileRegion.class, "f", File.class);
            channel = lookup.findVarHandle(DefaultFileRegion.class, "file", FileChannel.class);
            transferred = lookup.findVarHandle(DefaultFileRegion.class, "transferred", long.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            failure = e;
            logger.debug("DefaultFileRegion's fields are out of reach: file regions are copied, not spliced", e);
        }
        REGION_FILE = file;
        REGION_CHANNEL = channel;
        REGION_TRANSFERRED = transferred;
        REGION_ACCESS_FAILURE = failure;

        Class<?> impl = null;
        ChannelAccess access = ChannelAccess.NONE;
        VarHandle channelFd = null;
        VarHandle descriptorFd = null;
        long channelFdOffset = -1;
        long descriptorFdOffset = -1;
        try {
            impl = Class.forName("sun.nio.ch.FileChannelImpl");
            try {
                channelFd = MethodHandles.privateLookupIn(impl, MethodHandles.lookup())
                        .findVarHandle(impl, "fd", FileDescriptor.class);
                descriptorFd = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                        .findVarHandle(FileDescriptor.class, "fd", int.class);
                access = ChannelAccess.REFLECTION;
            } catch (ReflectiveOperationException | RuntimeException notOpened) {
                channelFd = null;
                descriptorFd = null;
                if (PlatformDependent.hasUnsafe()) {
                    // Field objects come without any access check; only their offsets are taken, never set accessible.
                    Field channelField = impl.getDeclaredField("fd");
                    Field descriptorField = FileDescriptor.class.getDeclaredField("fd");
                    if (channelField.getType() == FileDescriptor.class && descriptorField.getType() == int.class) {
                        channelFdOffset = PlatformDependent.objectFieldOffset(channelField);
                        descriptorFdOffset = PlatformDependent.objectFieldOffset(descriptorField);
                        access = ChannelAccess.UNSAFE;
                    }
                }
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            access = ChannelAccess.NONE;
            logger.debug("The descriptor of a FileChannel cannot be read here", e);
        }
        FILE_CHANNEL_IMPL = impl;
        CHANNEL_ACCESS = access;
        CHANNEL_FD = channelFd;
        DESCRIPTOR_FD = descriptorFd;
        CHANNEL_FD_OFFSET = channelFdOffset;
        DESCRIPTOR_FD_OFFSET = descriptorFdOffset;
    }

    private FileRegionDescriptor() {
    }

    /** Whether regions can be spliced at all: {@code -Diouring4j.splice} is on and the region's fields are usable. */
    static boolean isUsable() {
        if (!Uring.SPLICE) {
            return false;
        }
        if (REGION_ACCESS_FAILURE == null) {
            return true;
        }
        if (REGION_COPY_LOGGED.compareAndSet(false, true)) {
            logger.info("DefaultFileRegions are copied through a buffer, not spliced: their fields cannot be read here"
                    + " (run with --add-opens io.netty.transport/io.netty.channel={}). Logged once.", OPENS_TARGET);
        }
        return false;
    }

    /** How descriptors of {@code FileChannel}s are read in this JVM. */
    static ChannelAccess channelAccess() {
        return CHANNEL_ACCESS;
    }

    /**
     * Opens a descriptor of {@code region}'s file for the caller to splice from and then close.
     *
     * @return the descriptor, or -1 when there is none to be had (the region is to be copied; a closed channel
     *         among them, which the copy reports as NIO does)
     * @throws NativeIoException when the region's file cannot be opened by its path
     */
    static int open(DefaultFileRegion region) throws NativeIoException {
        FileChannel channel = (FileChannel) REGION_CHANNEL.get(region);
        if (channel != null && channel.isOpen()) {
            int fd = channelFd(channel);
            if (fd >= 0) {
                try {
                    return FileDescriptors.dup(fd);
                } catch (NativeIoException e) {
                    if (e.errno() != Errno.EBADF) {
                        throw e;
                    }
                    return -1; // closed meanwhile
                }
            }
        }
        File file = (File) REGION_FILE.get(region);
        if (file != null) {
            // The path as given, as RandomAccessFile opens it (relative paths against the process's directory).
            return FileDescriptors.open(file.getPath(), FileDescriptors.O_RDONLY, 0);
        }
        if (channel != null && channel.isOpen() && CHANNEL_COPY_LOGGED.compareAndSet(false, true)) {
            logger.info("A DefaultFileRegion built from a {} is copied through a buffer, not spliced: its descriptor"
                    + " cannot be read here (run with --add-opens java.base/sun.nio.ch={} --add-opens"
                    + " java.base/java.io={}, or build regions from a File). Logged once.",
                    channel.getClass().getName(), OPENS_TARGET, OPENS_TARGET);
        }
        return -1;
    }

    /** The descriptor number inside {@code channel}, or -1 when it cannot be read. */
    private static int channelFd(FileChannel channel) {
        if (channel.getClass() != FILE_CHANNEL_IMPL) {
            return -1;
        }
        switch (CHANNEL_ACCESS) {
            case REFLECTION:
                return (int) DESCRIPTOR_FD.get((FileDescriptor) CHANNEL_FD.get(channel));
            case UNSAFE:
                Object descriptor = PlatformDependent.getObject(channel, CHANNEL_FD_OFFSET);
                return descriptor == null ? -1 : PlatformDependent.getInt(descriptor, DESCRIPTOR_FD_OFFSET);
            default:
                return -1;
        }
    }

    /** Records the region's progress where {@link DefaultFileRegion#transferred()} reads it, as its own copy does. */
    static void setTransferred(DefaultFileRegion region, long transferred) {
        REGION_TRANSFERRED.set(region, transferred);
    }
}
