package org.iouring4j.ring;

/**
 * Flag and constant values of the io_uring ABI ({@code <linux/io_uring.h>}), named as the kernel names them
 * so that the man pages read directly onto this library. Opcodes are in {@link Opcode}.
 */
public final class IoUring {
    // io_uring_setup(2) flags: io_uring_params.flags
    public static final int IORING_SETUP_IOPOLL = 1;
    public static final int IORING_SETUP_SQPOLL = 1 << 1;
    public static final int IORING_SETUP_SQ_AFF = 1 << 2;
    public static final int IORING_SETUP_CQSIZE = 1 << 3;
    public static final int IORING_SETUP_CLAMP = 1 << 4;
    public static final int IORING_SETUP_ATTACH_WQ = 1 << 5;
    public static final int IORING_SETUP_R_DISABLED = 1 << 6;
    public static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;
    public static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    public static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    public static final int IORING_SETUP_SQE128 = 1 << 10;
    public static final int IORING_SETUP_CQE32 = 1 << 11;
    public static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    public static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;

    // io_uring_params.features
    public static final int IORING_FEAT_SINGLE_MMAP = 1;
    public static final int IORING_FEAT_NODROP = 1 << 1;
    public static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    public static final int IORING_FEAT_RW_CUR_POS = 1 << 3;
    public static final int IORING_FEAT_CUR_PERSONALITY = 1 << 4;
    public static final int IORING_FEAT_FAST_POLL = 1 << 5;
    public static final int IORING_FEAT_POLL_32BITS = 1 << 6;
    public static final int IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
    public static final int IORING_FEAT_EXT_ARG = 1 << 8;
    public static final int IORING_FEAT_NATIVE_WORKERS = 1 << 9;
    public static final int IORING_FEAT_RSRC_TAGS = 1 << 10;
    public static final int IORING_FEAT_CQE_SKIP = 1 << 11;
    public static final int IORING_FEAT_LINKED_FILE = 1 << 12;
    public static final int IORING_FEAT_REG_REG_RING = 1 << 13;
    public static final int IORING_FEAT_RECVSEND_BUNDLE = 1 << 14;
    public static final int IORING_FEAT_MIN_TIMEOUT = 1 << 15;

    // io_uring_enter(2) flags
    public static final int IORING_ENTER_GETEVENTS = 1;
    public static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    public static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    public static final int IORING_ENTER_EXT_ARG = 1 << 3;
    public static final int IORING_ENTER_REGISTERED_RING = 1 << 4;

    // SQ ring flags (written by the kernel)
    public static final int IORING_SQ_NEED_WAKEUP = 1;
    public static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    public static final int IORING_SQ_TASKRUN = 1 << 2;

    // io_uring_sqe.flags
    public static final byte IOSQE_FIXED_FILE = 1;
    public static final byte IOSQE_IO_DRAIN = 1 << 1;
    public static final byte IOSQE_IO_LINK = 1 << 2;
    public static final byte IOSQE_IO_HARDLINK = 1 << 3;
    public static final byte IOSQE_ASYNC = 1 << 4;
    public static final byte IOSQE_BUFFER_SELECT = 1 << 5;
    public static final byte IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

    // io_uring_cqe.flags
    public static final int IORING_CQE_F_BUFFER = 1;
    public static final int IORING_CQE_F_MORE = 1 << 1;
    public static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    public static final int IORING_CQE_F_NOTIF = 1 << 3;
    /**
     * The named buffer of an incrementally consumed ring ({@link #IOU_PBUF_RING_INC}) has room left and stays in
     * the ring: the next completion naming it continues where this one's bytes end (Linux 6.12).
     */
    public static final int IORING_CQE_F_BUF_MORE = 1 << 4;
    /**
     * {@code io_uring_buf_reg} flag: the ring's buffers are consumed a receive at a time rather than whole, so one
     * large buffer takes many small receives (Linux 6.12; older kernels refuse the registration with EINVAL).
     */
    public static final int IOU_PBUF_RING_INC = 2;
    /** The provided-buffer id of a {@link #IORING_CQE_F_BUFFER} completion is {@code flags >>> 16}. */
    public static final int IORING_CQE_BUFFER_SHIFT = 16;

    // sqe.ioprio for ACCEPT / RECV / SEND
    public static final int IORING_ACCEPT_MULTISHOT = 1;
    public static final int IORING_RECVSEND_POLL_FIRST = 1;
    public static final int IORING_RECV_MULTISHOT = 1 << 1;
    /**
     * SEND_ZC / SENDMSG_ZC (sqe.ioprio): the notification's {@code res} says whether the kernel had to copy
     * after all ({@link #IORING_NOTIF_USAGE_ZC_COPIED}; Linux 6.2).
     */
    public static final int IORING_SEND_ZC_REPORT_USAGE = 1 << 3;
    /** The res bit of a zero-copy send's notification asked for by {@link #IORING_SEND_ZC_REPORT_USAGE}. */
    public static final int IORING_NOTIF_USAGE_ZC_COPIED = 1 << 31;
    // sqe.len for POLL_ADD
    public static final int IORING_POLL_ADD_MULTI = 1;
    // sqe.timeout_flags
    public static final int IORING_TIMEOUT_ABS = 1;
    public static final int IORING_TIMEOUT_BOOTTIME = 1 << 2;
    public static final int IORING_TIMEOUT_REALTIME = 1 << 3;
    public static final int IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
    // sqe.cancel_flags
    public static final int IORING_ASYNC_CANCEL_ALL = 1;
    public static final int IORING_ASYNC_CANCEL_FD = 1 << 1;
    public static final int IORING_ASYNC_CANCEL_ANY = 1 << 2;
    /** With {@link #IORING_ASYNC_CANCEL_FD}: the fd is a registered-file index (Linux 6.0). */
    public static final int IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
    // sqe.rw_flags of READ/READV/WRITE/WRITEV (preadv2's flags)
    /** Do not wait: answer {@code -EAGAIN} when no data is there (on a socket: the read's {@code MSG_DONTWAIT}). */
    public static final int RWF_NOWAIT = 0x8;
    // sqe.splice_flags (splice(2)'s flags, plus io_uring's own)
    /** Move pages rather than copy them where possible (a hint; splice(2)). */
    public static final int SPLICE_F_MOVE = 1;
    /** Do not block on the pipe (splice(2)); a pipe opened {@code O_NONBLOCK} implies it. */
    public static final int SPLICE_F_NONBLOCK = 2;
    /** More data follows: a socket output holds back a partial segment ({@code MSG_MORE}). */
    public static final int SPLICE_F_MORE = 4;
    public static final int SPLICE_F_FD_IN_FIXED = 1 << 31;
    /** sqe.file_index value asking the kernel to pick a free direct-descriptor slot. */
    public static final int IORING_FILE_INDEX_ALLOC = ~0;
    // sqe.fsync_flags
    /** FSYNC: sync the data and only the metadata needed to read it back ({@code fdatasync(2)}). */
    public static final int IORING_FSYNC_DATASYNC = 1;

    // dirfd and flags of OPENAT / STATX (the *at(2) family)
    /** The {@code dirfd} meaning "the current working directory": relative paths resolve as for {@code open(2)}. */
    public static final int AT_FDCWD = -100;
    /** STATX: with an empty path, describe {@code dirfd} itself (an open file). */
    public static final int AT_EMPTY_PATH = 0x1000;
    /** STATX: describe a symbolic link itself rather than what it points to. */
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;

    // statx(2) mask bits: what the caller asks for; stx_mask says what the file system filled
    public static final int STATX_TYPE = 0x1;
    public static final int STATX_MODE = 0x2;
    public static final int STATX_SIZE = 0x200;
    public static final int STATX_BLOCKS = 0x400;
    /** {@code stx_dio_mem_align} and {@code stx_dio_offset_align}: O_DIRECT alignment (Linux 6.1). */
    public static final int STATX_DIOALIGN = 0x2000;

    // fallocate(2) modes
    /** Allocate without changing the file size (blocks past EOF). */
    public static final int FALLOC_FL_KEEP_SIZE = 0x1;
    /** Deallocate the range (must be combined with {@link #FALLOC_FL_KEEP_SIZE}). */
    public static final int FALLOC_FL_PUNCH_HOLE = 0x2;
    /** Zero the range, allocating blocks as needed. */
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;

    // poll(2) events for POLL_ADD
    public static final int POLLIN = 0x1;
    public static final int POLLPRI = 0x2;
    public static final int POLLOUT = 0x4;
    public static final int POLLERR = 0x8;
    public static final int POLLHUP = 0x10;
    public static final int POLLRDHUP = 0x2000;

    private IoUring() {
    }
}
