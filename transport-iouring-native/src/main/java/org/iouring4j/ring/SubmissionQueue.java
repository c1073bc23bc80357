package org.iouring4j.ring;

import org.iouring4j.ring.internal.Abi;

import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The submission side of a {@link Ring}: SQE slots written as plain memory, published to the kernel with one
 * release store of the tail per {@link Ring#submit()}.
 *
 * <p>Every {@code add*} method fills one SQE completely (no stale fields from an earlier use of the slot) and
 * returns the SQE's handle, an offset accepted by the {@code set*} methods for the rarer fields (SQE flags,
 * buffer index, splice fd). Nothing allocates and nothing calls native code, except when the queue is full:
 * then pending SQEs are submitted first (one {@code io_uring_enter}), so callers never see "no space".
 *
 * <p>Addresses passed in ({@code iovecs}, {@code buf}, {@code addr}, timespecs) must stay valid until the
 * SQE is submitted (the kernel copies what it needs at submission, {@code IORING_FEAT_SUBMIT_STABLE}); the
 * data buffers they point to must stay valid until the op's completion arrives.
 */
public final class SubmissionQueue {
    private static final boolean BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private final Ring ring;
    private final NativeMemory sqRing;
    private final NativeMemory sqes;
    private final int kheadOffset;
    private final int ktailOffset;
    private final int kflagsOffset;
    private final int kdroppedOffset;
    private final int mask;
    private final int capacity;
    /** Index of the next SQE to fill; published to the kernel by {@link #publishTail()}. */
    private int tail;
    /** Last kernel head seen; re-read only when the queue looks full. */
    private int cachedHead;

    SubmissionQueue(Ring ring, NativeMemory sqRing, NativeMemory sqes, NativeMemory params) {
        this.ring = ring;
        this.sqRing = sqRing;
        this.sqes = sqes;
        int off = Abi.Params.SQ_OFF;
        this.kheadOffset = params.getInt(off + Abi.SqRingOffsets.HEAD);
        this.ktailOffset = params.getInt(off + Abi.SqRingOffsets.TAIL);
        this.kflagsOffset = params.getInt(off + Abi.SqRingOffsets.FLAGS);
        this.kdroppedOffset = params.getInt(off + Abi.SqRingOffsets.DROPPED);
        this.mask = sqRing.getInt(params.getInt(off + Abi.SqRingOffsets.RING_MASK));
        this.capacity = sqRing.getInt(params.getInt(off + Abi.SqRingOffsets.RING_ENTRIES));
        // The SQ array maps ring positions to SQE slots. Mapping position i to slot i once, here, lets SQEs
        // be filled in ring order and leaves the array untouched on the hot path.
        int array = params.getInt(off + Abi.SqRingOffsets.ARRAY);
        for (int i = 0; i < capacity; i++) {
            sqRing.putInt(array + i * Integer.BYTES, i);
        }
        this.tail = sqRing.getInt(ktailOffset);
        this.cachedHead = sqRing.getIntAcquire(kheadOffset);
    }

    /** Number of SQE slots. */
    public int capacity() {
        return capacity;
    }

    /** SQEs filled but not yet consumed by the kernel (submitted or not). */
    public int pending() {
        ring.checkOpen();
        return tail - sqRing.getIntAcquire(kheadOffset);
    }

    /** Free SQE slots right now. */
    public int remaining() {
        return capacity - pending();
    }

    /** SQEs the kernel dropped as invalid (an SQ array index out of range); should stay 0. */
    public int dropped() {
        ring.checkOpen();
        return sqRing.getIntOpaque(kdroppedOffset);
    }

    /**
     * Makes every filled SQE visible to the kernel: one store-release of the tail, so the SQE contents written
     * before are visible first.
     *
     * @return SQEs the kernel has yet to consume
     */
    int publishTail() {
        sqRing.setIntRelease(ktailOffset, tail);
        return tail - sqRing.getIntAcquire(kheadOffset);
    }

    /** Under SQPOLL: whether the poller thread sleeps and needs {@code IORING_ENTER_SQ_WAKEUP}. */
    boolean pollerNeedsWakeup() {
        // The tail store must be globally visible before we read the flag, or we could miss the poller
        // going to sleep just before it saw our tail (liburing issues a full barrier here too).
        VarHandle.fullFence();
        return (sqRing.getIntOpaque(kflagsOffset) & IoUring.IORING_SQ_NEED_WAKEUP) != 0;
    }

    private int nextSqe() {
        ring.checkOpen(); // the SQE array is unmapped once the ring is closed
        if (tail - cachedHead == capacity) {
            cachedHead = sqRing.getIntAcquire(kheadOffset);
            if (tail - cachedHead == capacity) {
                makeRoom();
            }
        }
        int sqe = (tail & mask) * Abi.Sqe.SIZE;
        tail++;
        return sqe;
    }

    /** The queue is full: hand what is queued to the kernel so slots free up. */
    private void makeRoom() {
        try {
            ring.submit();
            cachedHead = sqRing.getIntAcquire(kheadOffset);
            boolean sqPoll = ring.hasSetupFlag(IoUring.IORING_SETUP_SQPOLL);
            while (tail - cachedHead == capacity) {
                if (!sqPoll) {
                    // Without SQPOLL an enter consumes every SQE it is given unless one fails to prepare and
                    // stops the batch; submit again to move past it.
                    ring.submit();
                } else {
                    ring.enter(0, 0, IoUring.IORING_ENTER_SQ_WAIT, 0, 0);
                }
                cachedHead = sqRing.getIntAcquire(kheadOffset);
            }
        } catch (NativeIoException e) {
            throw new UncheckedIOException("submission queue full and submitting failed", e);
        }
    }

    /**
     * Fills one SQE with every commonly used field; the rest ({@code buf_index}, {@code personality},
     * {@code splice_fd_in}, {@code addr3}) are zeroed. The general form behind every named op.
     *
     * @return the SQE's handle for the {@code set*} methods
     */
    public int add(int opcode, int sqeFlags, int ioprio, int fd, long off, long addr, int len, int opFlags,
                   long userData) {
        int sqe = nextSqe();
        // The SQE is eight naturally aligned 64-bit words: packing the small fields makes eight stores of the
        // whole slot instead of a dozen mixed-width ones (and keeps this method small enough to inline).
        NativeMemory m = sqes;
        m.putLong(sqe, headWord(opcode, sqeFlags, ioprio, fd));
        m.putLong(sqe + Abi.Sqe.OFF, off);
        m.putLong(sqe + Abi.Sqe.ADDR, addr);
        m.putLong(sqe + Abi.Sqe.LEN, lenWord(len, opFlags));
        m.putLong(sqe + Abi.Sqe.USER_DATA, userData);
        m.putLong(sqe + Abi.Sqe.BUF_INDEX, 0L); // buf_index, personality, splice_fd_in
        m.putLong(sqe + Abi.Sqe.ADDR3, 0L);
        m.putLong(sqe + Abi.Sqe.PAD2, 0L);
        return sqe;
    }

    /** Bytes 0-7 of an SQE: {@code opcode, flags, ioprio, fd} as one native-order word. */
    static long headWord(int opcode, int sqeFlags, int ioprio, int fd) {
        return headWord(opcode, sqeFlags, ioprio, fd, BIG_ENDIAN);
    }

    /** {@link #headWord(int, int, int, int)} for the given byte order (so tests cover both on any machine). */
    static long headWord(int opcode, int sqeFlags, int ioprio, int fd, boolean bigEndian) {
        if (bigEndian) {
            return ((long) (opcode & 0xFF) << 56) | ((long) (sqeFlags & 0xFF) << 48)
                    | ((long) (ioprio & 0xFFFF) << 32) | (fd & 0xFFFFFFFFL);
        }
        return (opcode & 0xFF) | ((sqeFlags & 0xFF) << 8) | ((long) (ioprio & 0xFFFF) << 16) | ((long) fd << 32);
    }

    /** Bytes 24-31 of an SQE: {@code len} and the op-specific flags word as one native-order word. */
    static long lenWord(int len, int opFlags) {
        return lenWord(len, opFlags, BIG_ENDIAN);
    }

    /** {@link #lenWord(int, int)} for the given byte order. */
    static long lenWord(int len, int opFlags, boolean bigEndian) {
        if (bigEndian) {
            return ((long) len << 32) | (opFlags & 0xFFFFFFFFL);
        }
        return (len & 0xFFFFFFFFL) | ((long) opFlags << 32);
    }

    /** ORs {@code IOSQE_*} flags (link, drain, async, fixed file, buffer select...) into an SQE. */
    public void orFlags(int sqe, int sqeFlags) {
        sqes.putByte(sqe + Abi.Sqe.FLAGS, (byte) (sqes.getByte(sqe + Abi.Sqe.FLAGS) | sqeFlags));
    }

    /** Sets {@code buf_index} (registered buffer of *_FIXED ops) or {@code buf_group} (buffer select). */
    public void setBufIndex(int sqe, int bufIndexOrGroup) {
        sqes.putShort(sqe + Abi.Sqe.BUF_INDEX, (short) bufIndexOrGroup);
    }

    /** Sets {@code splice_fd_in} (SPLICE/TEE input) or {@code file_index} (direct-descriptor ops). */
    public void setSpliceFdIn(int sqe, int fdOrFileIndex) {
        sqes.putInt(sqe + Abi.Sqe.SPLICE_FD_IN, fdOrFileIndex);
    }

    /** A no-op; completes with res 0. */
    public int addNop(long userData) {
        return add(Opcode.NOP, 0, 0, -1, 0, 0, 0, 0, userData);
    }

    /** {@code preadv}: scatter into {@code iovecCount} iovecs at {@code iovecs}; offset -1 = current position. */
    public int addReadv(int fd, long iovecs, int iovecCount, long offset, long userData) {
        return add(Opcode.READV, 0, 0, fd, offset, iovecs, iovecCount, 0, userData);
    }

    /** {@code pwritev}: gather from {@code iovecCount} iovecs at {@code iovecs}; offset -1 = current position. */
    public int addWritev(int fd, long iovecs, int iovecCount, long offset, long userData) {
        return add(Opcode.WRITEV, 0, 0, fd, offset, iovecs, iovecCount, 0, userData);
    }

    /** {@code pread} into {@code len} bytes at {@code buf}. */
    public int addRead(int fd, long buf, int len, long offset, long userData) {
        return add(Opcode.READ, 0, 0, fd, offset, buf, len, 0, userData);
    }

    /** {@code pwrite} from {@code len} bytes at {@code buf}. */
    public int addWrite(int fd, long buf, int len, long offset, long userData) {
        return add(Opcode.WRITE, 0, 0, fd, offset, buf, len, 0, userData);
    }

    /** {@code pread} into a registered buffer ({@link RingRegistrar#registerBuffers}); {@code buf} lies inside it. */
    public int addReadFixed(int fd, long buf, int len, long offset, int bufIndex, long userData) {
        int sqe = add(Opcode.READ_FIXED, 0, 0, fd, offset, buf, len, 0, userData);
        setBufIndex(sqe, bufIndex);
        return sqe;
    }

    /** {@code pwrite} from a registered buffer; {@code buf} lies inside registered buffer {@code bufIndex}. */
    public int addWriteFixed(int fd, long buf, int len, long offset, int bufIndex, long userData) {
        int sqe = add(Opcode.WRITE_FIXED, 0, 0, fd, offset, buf, len, 0, userData);
        setBufIndex(sqe, bufIndex);
        return sqe;
    }

    /**
     * {@code openat(2)}: opens the NUL-terminated path at {@code path}, relative to {@code dirFd}
     * ({@link IoUring#AT_FDCWD} for the working directory); completes with the new fd. The kernel copies the path
     * when it consumes the SQE; keep it valid until then (until the completion under SQPOLL, where that moment is
     * not seen).
     */
    public int addOpenat(int dirFd, long path, int openFlags, int mode, long userData) {
        return add(Opcode.OPENAT, 0, 0, dirFd, 0, path, mode, openFlags, userData);
    }

    /**
     * {@code fsync(2)} of {@code fd}, or {@code fdatasync(2)} with {@link IoUring#IORING_FSYNC_DATASYNC}; a
     * {@code length} other than 0 limits it to {@code [offset, offset + length)}.
     */
    public int addFsync(int fd, int fsyncFlags, long offset, int length, long userData) {
        return add(Opcode.FSYNC, 0, 0, fd, offset, 0, length, fsyncFlags, userData);
    }

    /**
     * {@code fallocate(2)} of {@code length} bytes at {@code offset}; {@code mode} is 0 (allocate and extend the
     * file) or {@code IoUring.FALLOC_FL_*} bits. The kernel takes the length in the SQE's {@code addr} field and
     * the mode in {@code len}, as liburing does.
     */
    public int addFallocate(int fd, int mode, long offset, long length, long userData) {
        return add(Opcode.FALLOCATE, 0, 0, fd, offset, length, mode, 0, userData);
    }

    /**
     * {@code statx(2)} of {@code path} relative to {@code dirFd} (with an empty path and
     * {@link IoUring#AT_EMPTY_PATH}: of {@code dirFd} itself), filling the {@code struct statx} at
     * {@code statxBuf} with at least the {@code IoUring.STATX_*} fields of {@code mask}. The buffer is written
     * when the op runs: keep it until the completion. Registered (fixed) files are not accepted: pass a real fd.
     */
    public int addStatx(int dirFd, long path, int atFlags, int mask, long statxBuf, long userData) {
        return add(Opcode.STATX, 0, 0, dirFd, statxBuf, path, mask, atFlags, userData);
    }

    /**
     * Replaces {@code count} slots of the registered-file table from {@code offset} with the fds in the int array
     * at {@code fds} (-1 clears a slot), as {@link RingRegistrar#updateFiles} does but without a syscall of its
     * own; completes with the number of slots updated. The array is read when the op runs.
     */
    public int addFilesUpdate(long fds, int count, int offset, long userData) {
        return add(Opcode.FILES_UPDATE, 0, 0, -1, offset, fds, count, 0, userData);
    }

    /** {@code recv(2)}. */
    public int addRecv(int fd, long buf, int len, int msgFlags, long userData) {
        return add(Opcode.RECV, 0, 0, fd, 0, buf, len, msgFlags, userData);
    }

    /**
     * Multishot {@code recv} into buffers picked from provided-buffer group {@code bufGroup}: one CQE per
     * receive, flagged {@code IORING_CQE_F_MORE} while the op stays armed (Linux 6.0+).
     */
    public int addRecvMultishot(int fd, int bufGroup, int msgFlags, long userData) {
        int sqe = add(Opcode.RECV, IoUring.IOSQE_BUFFER_SELECT, IoUring.IORING_RECV_MULTISHOT, fd, 0, 0, 0,
                msgFlags, userData);
        setBufIndex(sqe, bufGroup);
        return sqe;
    }

    /** {@code send(2)}. */
    public int addSend(int fd, long buf, int len, int msgFlags, long userData) {
        return add(Opcode.SEND, 0, 0, fd, 0, buf, len, msgFlags, userData);
    }

    /**
     * A zero-copy {@code send(2)} (Linux 6.0): the kernel sends from the pages of {@code buf} instead of copying
     * them. Two CQEs with the same user data: the result, flagged {@code IORING_CQE_F_MORE}, then a notification
     * ({@code IORING_CQE_F_NOTIF}, no {@code F_MORE}) once the kernel no longer reads the buffer, which may be
     * reused only then. A result without {@code F_MORE} has no notification after it. {@code zcFlags}: e.g.
     * {@link IoUring#IORING_SEND_ZC_REPORT_USAGE}.
     */
    public int addSendZc(int fd, long buf, int len, int msgFlags, int zcFlags, long userData) {
        return add(Opcode.SEND_ZC, 0, zcFlags, fd, 0, buf, len, msgFlags, userData);
    }

    /**
     * A zero-copy {@code sendmsg(2)} (Linux 6.1) with a {@code struct msghdr} at {@code msghdr}: completes as
     * {@link #addSendZc} does, and the memory the iovecs point to stays in use until the notification.
     */
    public int addSendmsgZc(int fd, long msghdr, int msgFlags, int zcFlags, long userData) {
        return add(Opcode.SENDMSG_ZC, 0, zcFlags, fd, 0, msghdr, 1, msgFlags, userData);
    }

    /** {@code sendmsg(2)} with a {@code struct msghdr} at {@code msghdr}. */
    public int addSendmsg(int fd, long msghdr, int msgFlags, long userData) {
        return add(Opcode.SENDMSG, 0, 0, fd, 0, msghdr, 1, msgFlags, userData);
    }

    /** {@code recvmsg(2)} with a {@code struct msghdr} at {@code msghdr}. */
    public int addRecvmsg(int fd, long msghdr, int msgFlags, long userData) {
        return add(Opcode.RECVMSG, 0, 0, fd, 0, msghdr, 1, msgFlags, userData);
    }

    /**
     * {@code accept4(2)}: the peer address is written to {@code addr} (0 for none), its length to the
     * {@code socklen_t} at {@code addrLen}, which holds the buffer's size on entry.
     */
    public int addAccept(int fd, long addr, long addrLen, int acceptFlags, long userData) {
        return add(Opcode.ACCEPT, 0, 0, fd, addrLen, addr, 0, acceptFlags, userData);
    }

    /**
     * Multishot accept (Linux 5.19+): one CQE per accepted connection, flagged {@code IORING_CQE_F_MORE} while
     * the op stays armed. Pass {@code addr = 0}: the one address buffer would be overwritten by each accept.
     */
    public int addMultishotAccept(int fd, long addr, long addrLen, int acceptFlags, long userData) {
        return add(Opcode.ACCEPT, 0, IoUring.IORING_ACCEPT_MULTISHOT, fd, addrLen, addr, 0, acceptFlags, userData);
    }

    /** {@code connect(2)} to the {@code addrLen}-byte sockaddr at {@code addr}. */
    public int addConnect(int fd, long addr, int addrLen, long userData) {
        return add(Opcode.CONNECT, 0, 0, fd, addrLen, addr, 0, 0, userData);
    }

    /** {@code close(2)}. */
    public int addClose(int fd, long userData) {
        return add(Opcode.CLOSE, 0, 0, fd, 0, 0, 0, 0, userData);
    }

    /** {@code shutdown(2)}; {@code how} is SHUT_RD (0), SHUT_WR (1) or SHUT_RDWR (2). */
    public int addShutdown(int fd, int how, long userData) {
        return add(Opcode.SHUTDOWN, 0, 0, fd, 0, 0, how, 0, userData);
    }

    /** One-shot poll for {@code events} ({@code IoUring.POLL*}); completes with the ready mask. */
    public int addPollAdd(int fd, int events, long userData) {
        return add(Opcode.POLL_ADD, 0, 0, fd, 0, 0, 0, pollEvents(events), userData);
    }

    /** Multishot poll: one CQE per readiness change, {@code IORING_CQE_F_MORE} while armed (Linux 5.13+). */
    public int addPollMultishot(int fd, int events, long userData) {
        return add(Opcode.POLL_ADD, 0, 0, fd, 0, 0, IoUring.IORING_POLL_ADD_MULTI, pollEvents(events), userData);
    }

    /** The kernel reads {@code poll32_events} with its 16-bit halves swapped on big-endian machines. */
    private static int pollEvents(int events) {
        return pollEvents(events, BIG_ENDIAN);
    }

    /** {@link #pollEvents(int)} for the given byte order. */
    static int pollEvents(int events, boolean bigEndian) {
        return bigEndian ? Integer.rotateLeft(events, 16) : events;
    }

    /** Removes the poll whose user data is {@code targetUserData}. */
    public int addPollRemove(long targetUserData, long userData) {
        return add(Opcode.POLL_REMOVE, 0, 0, -1, 0, targetUserData, 0, 0, userData);
    }

    /** Cancels the op(s) whose user data is {@code targetUserData} ({@code IORING_ASYNC_CANCEL_ALL} for all). */
    public int addCancel(long targetUserData, int cancelFlags, long userData) {
        return add(Opcode.ASYNC_CANCEL, 0, 0, -1, 0, targetUserData, 0, cancelFlags, userData);
    }

    /** Cancels the op(s) on {@code fd} (Linux 5.19+; add {@code IORING_ASYNC_CANCEL_ALL} for every one). */
    public int addCancelFd(int fd, int cancelFlags, long userData) {
        return add(Opcode.ASYNC_CANCEL, 0, 0, fd, 0, 0, 0, cancelFlags | IoUring.IORING_ASYNC_CANCEL_FD, userData);
    }

    /**
     * A timeout: completes with {@code -ETIME} when the {@code __kernel_timespec} at {@code timespec} elapses,
     * or with 0 once {@code count} other completions arrived (0 = time only).
     */
    public int addTimeout(long timespec, int count, int timeoutFlags, long userData) {
        return add(Opcode.TIMEOUT, 0, 0, -1, count, timespec, 1, timeoutFlags, userData);
    }

    /** Removes (cancels) the timeout whose user data is {@code targetUserData}. */
    public int addTimeoutRemove(long targetUserData, int timeoutFlags, long userData) {
        return add(Opcode.TIMEOUT_REMOVE, 0, 0, -1, 0, targetUserData, 0, timeoutFlags, userData);
    }

    /**
     * A timeout for the previous SQE, which must carry {@code IOSQE_IO_LINK}: if it has not completed when the
     * timespec elapses it is cancelled ({@code -ECANCELED}) and this completes with {@code -ETIME}.
     */
    public int addLinkTimeout(long timespec, int timeoutFlags, long userData) {
        return add(Opcode.LINK_TIMEOUT, 0, 0, -1, 0, timespec, 1, timeoutFlags, userData);
    }

    /** {@code splice(2)} {@code len} bytes from {@code fdIn} to {@code fdOut}; offsets -1 for pipes/current. */
    public int addSplice(int fdIn, long offIn, int fdOut, long offOut, int len, int spliceFlags, long userData) {
        int sqe = add(Opcode.SPLICE, 0, 0, fdOut, offOut, offIn, len, spliceFlags, userData);
        setSpliceFdIn(sqe, fdIn);
        return sqe;
    }
}
