package org.iouring4j.transport;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultFileRegion;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link DefaultFileRegion} sent without copying: its file's pages go into a pipe and from the pipe into the
 * socket, by SPLICE ops, one in the kernel at a time: a pipe's worth from the file while the pipe is empty, then
 * what the pipe holds into the socket, until the region is done. The channel's one write in flight is the region.
 *
 * <p>The file may give less than asked (at a page boundary short of a full pipe), the socket may take less than the
 * pipe holds: either way the next op drains the pipe before the file is read again. A splice from the file that
 * moves nothing before the region's end means the file is shorter than the region: the write fails, as Netty's own
 * transports fail it. A failed splice into the socket (a peer gone: EPIPE, ECONNRESET) fails the write with a
 * {@link NativeIoException} naming SPLICE.
 *
 * <p>Why not the two splices of a step linked ({@code IOSQE_IO_LINK}), saving a loop iteration per step: SPLICE
 * always runs in the kernel's io-wq workers, and the linked one is queued there only once its predecessor has
 * completed, by task work; an ASYNC_CANCEL arriving in between finds nothing (ENOENT), and the splice then waits,
 * uncancelled, for a peer that may never read, holding the channel's close up for good (seen in this transport's
 * tests). One op at a time, each is in io-wq from its submission on, where a cancel always finds it (a splice
 * waiting there is interrupted). A bigger pipe than the default makes up for part of the iterations.
 *
 * <p>Why a pipe per channel, made on its first region and closed with the channel (after its last completion):
 * bytes left in the pipe belong to that channel's stream, also across a move to another loop, and a pipe shared by
 * a loop's channels could only serve one of them at a time. It is a blocking pipe: each op finds the pipe as it
 * needs it (room, or bytes), so nothing waits on the pipe, and no EAGAIN from it needs retrying.
 *
 * <p>The file's descriptor is this class's own ({@link FileRegionDescriptor}), closed when the region is done or
 * given up, never while a splice may still use it. Loop thread only.
 */
final class SpliceFileRegionWrite {
    private static final Logger logger = LoggerFactory.getLogger(SpliceFileRegionWrite.class);
    /** {@link #start} submitted a step. */
    static final int SUBMITTED = 0;
    /** {@link #start} found the region complete and removed it. */
    static final int DONE = 1;
    /** {@link #start} found no descriptor to splice from: copy the region. */
    static final int COPY = 2;

    /** Data tags of the two kinds of splice: file to pipe, pipe to socket. */
    static final int DATA_FROM_FILE = 4;
    static final int DATA_TO_SOCKET = 5;
    /**
     * The pipe size asked for: 4 steps of the default 64 KiB in one. Refused (EPERM) once the user's pipes hold
     * {@code /proc/sys/fs/pipe-user-pages-soft} pages, when the pipe keeps the size it has.
     */
    private static final int PIPE_SIZE = 256 * 1024;
    /** What a splice interrupted in a worker by a cancel may answer: the kernel's ERESTARTSYS. */
    private static final int ERESTARTSYS = 512;
    /** Bytes spliced into sockets by every channel, for tests and diagnostics. */
    private static final LongAdder SPLICED_BYTES = new LongAdder();

    private final AbstractUringStreamChannel channel;
    private int pipeReadEnd = -1;
    private int pipeWriteEnd = -1;
    private int pipeSize;

    /** The region being spliced, with the descriptor of its file; null between regions. */
    private DefaultFileRegion region;
    private int fileFd = -1;
    /** Bytes of the region taken from the file into the pipe, and from the pipe into the socket. */
    private long read;
    private long sent;
    /** Where the region stood when splicing began (the bytes already counted by others). */
    private long startedAt;

    SpliceFileRegionWrite(AbstractUringStreamChannel channel) {
        this.channel = channel;
    }

    /** Bytes spliced into sockets since the JVM started, across every channel. */
    static long splicedBytes() {
        return SPLICED_BYTES.sum();
    }

    /**
     * Starts sending {@code region}, the message at the head of {@code in}.
     *
     * @return {@link #SUBMITTED}, {@link #DONE} or {@link #COPY}
     * @throws IOException when the region's file cannot be opened, or the channel cannot submit
     */
    int start(ChannelOutboundBuffer in, DefaultFileRegion region) throws IOException {
        if (region.refCnt() == 0) {
            return COPY; // reported by the copy as NIO reports it
        }
        long transferred = region.transferred();
        if (transferred >= region.count()) {
            in.remove();
            return DONE;
        }
        int fd = FileRegionDescriptor.open(region);
        if (fd < 0) {
            return COPY;
        }
        this.region = region;
        fileFd = fd;
        read = transferred;
        sent = transferred;
        startedAt = transferred;
        try {
            openPipe();
        } catch (NativeIoException e) {
            finishRegion();
            throw e;
        }
        if (!submitStep()) {
            finishRegion();
            throw new ClosedChannelException();
        }
        return SUBMITTED;
    }

    private void openPipe() throws NativeIoException {
        if (pipeReadEnd >= 0) {
            return;
        }
        int[] pipe = FileDescriptors.pipe(0);
        pipeReadEnd = pipe[0];
        pipeWriteEnd = pipe[1];
        try {
            pipeSize = FileDescriptors.setPipeSize(pipeWriteEnd, PIPE_SIZE);
        } catch (NativeIoException refused) {
            try {
                pipeSize = FileDescriptors.pipeSize(pipeReadEnd);
            } catch (NativeIoException e) {
                closePipe();
                throw e;
            }
        }
    }

    /**
     * Submits the region's next op: drain the pipe into the socket, or fill it from the file.
     *
     * @return false if the channel submits nothing more (it is closing)
     */
    boolean submitStep() {
        int buffered = (int) (read - sent);
        UringIoOps ops = channel.ops.clear().opcode(Opcode.SPLICE);
        if (buffered > 0) {
            ops.fd(channel.socketFd()).offset(-1).address(-1).spliceFdIn(pipeReadEnd).length(buffered)
                    .data(DATA_TO_SOCKET);
        } else {
            int length = (int) Math.min(pipeSize, region.count() - read);
            ops.fd(pipeWriteEnd).offset(-1).address(region.position() + read).spliceFdIn(fileFd).length(length)
                    .data(DATA_FROM_FILE);
        }
        return channel.submit() != -1;
    }

    /**
     * Applies a completed splice: what reached the socket is progress of the region (and of {@code in}).
     *
     * @return why the write failed, or null
     */
    Throwable completed(ChannelOutboundBuffer in, int data, int res) {
        if (data == DATA_FROM_FILE) {
            if (res > 0) {
                read += res;
            } else if (res == 0) {
                return new IOException("SPLICE found the end of the file at byte " + (region.position() + read)
                        + ", before the end of the region (position " + region.position() + ", count "
                        + region.count() + "): the file is shorter than the region");
            } else if (!interrupted(res)) {
                return new NativeIoException("SPLICE", res);
            }
        } else if (res > 0) {
            sent += res;
            FileRegionDescriptor.setTransferred(region, sent);
            in.progress(res);
        } else if (res == 0) {
            // Cannot happen while the pipe holds bytes and has a writer; said rather than retried for ever.
            return new IOException("SPLICE into the socket moved nothing with " + (read - sent) + " bytes in the pipe");
        } else if (!interrupted(res)) {
            return new NativeIoException("SPLICE", res);
        }
        return null;
    }

    /** Cancelled (by a close or a move), or a linked splice after a short one: not a failure, nothing moved. */
    private static boolean interrupted(int res) {
        return res == -Errno.ECANCELED || res == -Errno.EINTR || res == -ERESTARTSYS;
    }

    /** Whether the whole region reached the socket. */
    boolean isRegionDone() {
        return sent >= region.count();
    }

    /**
     * The region is done with, sent or not (nothing of it in the kernel): its descriptor is closed, and a pipe
     * still holding some of it is closed too, so that no later region starts with its bytes.
     */
    void finishRegion() {
        if (region == null) {
            return;
        }
        SPLICED_BYTES.add(sent - startedAt);
        if (read != sent) {
            closePipe();
        }
        region = null;
        int fd = fileFd;
        fileFd = -1;
        closeQuietly(fd);
    }

    /** The channel's socket is closed and every completion is in: the pipe, and the region's descriptor, go. */
    void close() {
        finishRegion();
        closePipe();
    }

    private void closePipe() {
        closeQuietly(pipeReadEnd);
        closeQuietly(pipeWriteEnd);
        pipeReadEnd = -1;
        pipeWriteEnd = -1;
    }

    private static void closeQuietly(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            FileDescriptors.close(fd);
        } catch (NativeIoException e) {
            logger.debug("Failed to close fd {}", fd, e);
        }
    }
}
