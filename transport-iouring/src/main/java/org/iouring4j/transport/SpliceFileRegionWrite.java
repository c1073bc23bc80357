package org.iouring4j.transport;

import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultFileRegion;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.FileDescriptors;
import org.iouring4j.ring.IoUring;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.Opcode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link DefaultFileRegion} sent without copying: its file's pages go into a pipe and from the pipe into the
 * socket, by two SPLICE ops per step. A step that finds the pipe empty splices up to a pipe's worth from the file
 * ({@code IOSQE_IO_LINK}ed) to a splice of as much from the pipe into the socket; one that finds bytes left in the
 * pipe only drains them. The step is over when both of its completions are in; then the next one is submitted, so
 * the channel's one write in flight is the region until it is done.
 *
 * <p>A short splice from the file (at its end, or a page boundary short of a full pipe) breaks the link: the
 * kernel cancels the splice into the socket, and the next step drains what the pipe holds. The socket may also
 * take less than the pipe held; what is left is drained the same way. A splice from the file that moves nothing
 * before the region's end means the file is shorter than the region: the write fails, as Netty's own transports
 * fail it. A failed splice into the socket (a peer gone: EPIPE, ECONNRESET) fails the write with a
 * {@link NativeIoException} naming SPLICE.
 *
 * <p>Why a pipe per channel, made on its first region and closed with the channel (after its last completion):
 * bytes left in the pipe belong to that channel's stream, also across a move to another loop, and a pipe shared by
 * a loop's channels could only serve one step at a time. Why a blocking pipe: SPLICE always runs in the kernel's
 * io-wq workers, which may block; should the two splices of a step ever meet out of order (a full SQ submits the
 * first without its link), a blocking pipe makes the second wait for the first where a non-blocking one would
 * answer EAGAIN. Cancelling interrupts a blocked worker.
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

    /** Data tags of the two splices of a step. */
    static final int DATA_FROM_FILE = 4;
    static final int DATA_TO_SOCKET = 5;
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

    /** The step in the kernel: completions still to come, what was asked of the file, and the two results. */
    private int pending;
    private int fileLength;
    private int fileResult;
    private int socketResult;

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
            throw new java.nio.channels.ClosedChannelException();
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
            pipeSize = FileDescriptors.pipeSize(pipeReadEnd);
        } catch (NativeIoException e) {
            closePipe();
            throw e;
        }
    }

    /**
     * Submits the region's next step: drain the pipe, or fill it from the file and drain it (linked).
     *
     * @return false if the channel submits nothing more (it is closing); nothing is then in the kernel
     */
    boolean submitStep() {
        UringIoOps ops = channel.ops;
        int buffered = (int) (read - sent);
        fileLength = 0;
        fileResult = 0;
        socketResult = 0;
        pending = 0;
        int length = buffered;
        if (buffered == 0) {
            length = (int) Math.min(pipeSize, region.count() - read);
            ops.clear().opcode(Opcode.SPLICE).fd(pipeWriteEnd).offset(-1).address(region.position() + read)
                    .spliceFdIn(fileFd).length(length).sqeFlags(IoUring.IOSQE_IO_LINK).data(DATA_FROM_FILE);
            if (channel.submit() == -1) {
                return false;
            }
            fileLength = length;
            pending++;
        }
        ops.clear().opcode(Opcode.SPLICE).fd(channel.socketFd()).offset(-1).address(-1).spliceFdIn(pipeReadEnd)
                .length(length).data(DATA_TO_SOCKET);
        if (channel.submit() != -1) {
            pending++;
        }
        return pending > 0;
    }

    /** Cancels the splices of the step in the kernel. */
    void cancel() {
        channel.cancel(Opcode.SPLICE, DATA_FROM_FILE);
        channel.cancel(Opcode.SPLICE, DATA_TO_SOCKET);
    }

    /**
     * One splice of the step completed.
     *
     * @return true once the step's last completion is in ({@link #applyStep} next)
     */
    boolean completed(int data, int res) {
        if (data == DATA_FROM_FILE) {
            fileResult = res;
        } else {
            socketResult = res;
        }
        return --pending == 0;
    }

    /**
     * Applies the completed step: what reached the socket is progress of the region (and of {@code in}).
     *
     * @return why the write failed, or null
     */
    Throwable applyStep(ChannelOutboundBuffer in) {
        Throwable fileFailure = null;
        if (fileLength > 0) {
            if (fileResult > 0) {
                read += fileResult;
            } else if (fileResult == 0) {
                fileFailure = new IOException("SPLICE found the end of the file at byte " + (region.position() + read)
                        + ", before the end of the region (position " + region.position() + ", count "
                        + region.count() + "): the file is shorter than the region");
            } else if (!interrupted(fileResult)) {
                fileFailure = new NativeIoException("SPLICE", fileResult);
            }
        }
        if (socketResult > 0) {
            sent += socketResult;
            FileRegionDescriptor.setTransferred(region, sent);
            in.progress(socketResult);
        } else if (socketResult == 0) {
            if (read > sent && fileFailure == null) {
                // Cannot happen while the pipe holds bytes and has a writer; said rather than retried for ever.
                return new IOException("SPLICE into the socket moved nothing with " + (read - sent)
                        + " bytes in the pipe");
            }
        } else if (!interrupted(socketResult) && socketResult != -Errno.EAGAIN) {
            return new NativeIoException("SPLICE", socketResult);
        }
        return fileFailure;
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
