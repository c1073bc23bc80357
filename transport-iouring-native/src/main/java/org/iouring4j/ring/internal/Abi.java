package org.iouring4j.ring.internal;

/**
 * Byte layouts of the kernel structs this library reads and writes, as named offsets.
 *
 * <p>Each nested class quotes its C definition from {@code <linux/io_uring.h>} (or libc) and gives the
 * offset of every field used, plus the struct's size. The layouts are the same on every 64-bit Linux
 * architecture: every field is naturally aligned, the io_uring structs carry addresses in {@code __u64}s, and the
 * libc structs ({@code iovec}, {@code msghdr}, {@code cmsghdr}) hold pointers and {@code size_t}s of 8 bytes, as in
 * the 64-bit processes this library requires ({@code Probe} refuses a 32-bit JVM). {@code AbiTest} checks that the
 * fields (and the padding the C compiler inserts) tile each struct without gaps or overlaps.
 */
public final class Abi {
    private Abi() {
    }

    /** mmap offsets of the three ring regions, passed as the {@code offset} argument of mmap on the ring fd. */
    public static final long IORING_OFF_SQ_RING = 0L;
    public static final long IORING_OFF_CQ_RING = 0x8000000L;
    public static final long IORING_OFF_SQES = 0x10000000L;

    /** {@code io_uring_register(2)} opcodes. */
    public static final class Register {
        public static final int REGISTER_BUFFERS = 0;
        public static final int UNREGISTER_BUFFERS = 1;
        public static final int REGISTER_FILES = 2;
        public static final int UNREGISTER_FILES = 3;
        public static final int REGISTER_EVENTFD = 4;
        public static final int UNREGISTER_EVENTFD = 5;
        public static final int REGISTER_FILES_UPDATE = 6;
        public static final int REGISTER_PROBE = 8;
        public static final int REGISTER_ENABLE_RINGS = 12;
        public static final int REGISTER_RING_FDS = 20;
        public static final int UNREGISTER_RING_FDS = 21;
        public static final int REGISTER_PBUF_RING = 22;
        public static final int UNREGISTER_PBUF_RING = 23;

        private Register() {
        }
    }

    /**
     * <pre>
     * struct io_uring_params {
     *     __u32 sq_entries;  __u32 cq_entries;  __u32 flags;  __u32 sq_thread_cpu;
     *     __u32 sq_thread_idle;  __u32 features;  __u32 wq_fd;  __u32 resv[3];
     *     struct io_sqring_offsets sq_off;
     *     struct io_cqring_offsets cq_off;
     * };
     * </pre>
     */
    public static final class Params {
        public static final int SQ_ENTRIES = 0;
        public static final int CQ_ENTRIES = 4;
        public static final int FLAGS = 8;
        public static final int SQ_THREAD_CPU = 12;
        public static final int SQ_THREAD_IDLE = 16;
        public static final int FEATURES = 20;
        public static final int WQ_FD = 24;
        public static final int RESV = 28;
        public static final int SQ_OFF = 40;
        public static final int CQ_OFF = 80;
        public static final int SIZE = 120;

        private Params() {
        }
    }

    /**
     * <pre>
     * struct io_sqring_offsets {
     *     __u32 head;  __u32 tail;  __u32 ring_mask;  __u32 ring_entries;
     *     __u32 flags;  __u32 dropped;  __u32 array;  __u32 resv1;  __u64 user_addr;
     * };
     * </pre>
     */
    public static final class SqRingOffsets {
        public static final int HEAD = 0;
        public static final int TAIL = 4;
        public static final int RING_MASK = 8;
        public static final int RING_ENTRIES = 12;
        public static final int FLAGS = 16;
        public static final int DROPPED = 20;
        public static final int ARRAY = 24;
        public static final int RESV1 = 28;
        public static final int USER_ADDR = 32;
        public static final int SIZE = 40;

        private SqRingOffsets() {
        }
    }

    /**
     * <pre>
     * struct io_cqring_offsets {
     *     __u32 head;  __u32 tail;  __u32 ring_mask;  __u32 ring_entries;
     *     __u32 overflow;  __u32 cqes;  __u32 flags;  __u32 resv1;  __u64 user_addr;
     * };
     * </pre>
     */
    public static final class CqRingOffsets {
        public static final int HEAD = 0;
        public static final int TAIL = 4;
        public static final int RING_MASK = 8;
        public static final int RING_ENTRIES = 12;
        public static final int OVERFLOW = 16;
        public static final int CQES = 20;
        public static final int FLAGS = 24;
        public static final int RESV1 = 28;
        public static final int USER_ADDR = 32;
        public static final int SIZE = 40;

        private CqRingOffsets() {
        }
    }

    /**
     * <pre>
     * struct io_uring_sqe {
     *     __u8  opcode;  __u8 flags;  __u16 ioprio;  __s32 fd;
     *     union { __u64 off; __u64 addr2; };
     *     union { __u64 addr; __u64 splice_off_in; };
     *     __u32 len;
     *     union { __kernel_rwf_t rw_flags; __u32 poll32_events; __u32 msg_flags; __u32 accept_flags;
     *             __u32 cancel_flags; __u32 timeout_flags; __u32 splice_flags; ... };
     *     __u64 user_data;
     *     union { __u16 buf_index; __u16 buf_group; };
     *     __u16 personality;
     *     union { __s32 splice_fd_in; __u32 file_index; };
     *     __u64 addr3;
     *     __u64 __pad2[1];
     * };
     * </pre>
     */
    public static final class Sqe {
        public static final int OPCODE = 0;
        public static final int FLAGS = 1;
        public static final int IOPRIO = 2;
        public static final int FD = 4;
        public static final int OFF = 8;
        public static final int ADDR = 16;
        public static final int LEN = 24;
        public static final int OP_FLAGS = 28;
        public static final int USER_DATA = 32;
        public static final int BUF_INDEX = 40;
        public static final int PERSONALITY = 42;
        public static final int SPLICE_FD_IN = 44;
        public static final int ADDR3 = 48;
        public static final int PAD2 = 56;
        public static final int SIZE = 64;

        private Sqe() {
        }
    }

    /** <pre>struct io_uring_cqe { __u64 user_data; __s32 res; __u32 flags; };</pre> */
    public static final class Cqe {
        public static final int USER_DATA = 0;
        public static final int RES = 8;
        public static final int FLAGS = 12;
        public static final int SIZE = 16;

        private Cqe() {
        }
    }

    /** <pre>struct iovec { void *iov_base; size_t iov_len; };</pre> (64-bit) */
    public static final class Iovec {
        public static final int BASE = 0;
        public static final int LEN = 8;
        public static final int SIZE = 16;
        /** {@code IOV_MAX} on Linux: the most iovecs one readv/writev accepts. */
        public static final int IOV_MAX = 1024;

        private Iovec() {
        }
    }

    /**
     * The argument of {@code sendmsg(2)} / {@code recvmsg(2)} (and of SENDMSG / RECVMSG). 64-bit layout: the
     * compiler pads after {@code msg_namelen} to align {@code msg_iov}, and after {@code msg_flags} to round the
     * size up to the struct's 8-byte alignment.
     * <pre>
     * struct msghdr {
     *     void         *msg_name;        socklen_t     msg_namelen;   // 4 bytes of padding follow
     *     struct iovec *msg_iov;         size_t        msg_iovlen;
     *     void         *msg_control;     size_t        msg_controllen;
     *     int           msg_flags;                                     // 4 bytes of padding follow
     * };                                                               // 56 bytes
     * </pre>
     */
    public static final class Msghdr {
        public static final int NAME = 0;
        public static final int NAMELEN = 8;
        public static final int IOV = 16;
        public static final int IOVLEN = 24;
        public static final int CONTROL = 32;
        public static final int CONTROLLEN = 40;
        public static final int FLAGS = 48;
        public static final int SIZE = 56;

        private Msghdr() {
        }
    }

    /**
     * The header of one control message (ancillary data) in a {@code msghdr}'s control buffer; its data follows at
     * {@code CMSG_DATA}, the header size rounded up by {@code CMSG_ALIGN} (the alignment of {@code size_t}).
     * <pre>
     * struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; };  // 16 bytes; the data follows at CMSG_DATA
     * #define CMSG_ALIGN(len) (((len) + sizeof(size_t) - 1) &amp; ~(sizeof(size_t) - 1))
     * #define CMSG_SPACE(len) (CMSG_ALIGN(len) + CMSG_ALIGN(sizeof(struct cmsghdr)))
     * #define CMSG_LEN(len)   (CMSG_ALIGN(sizeof(struct cmsghdr)) + (len))
     * </pre>
     */
    public static final class Cmsghdr {
        public static final int LEN = 0;
        public static final int LEVEL = 8;
        public static final int TYPE = 12;
        public static final int SIZE = 16;
        /** Offset of the data from the header ({@code CMSG_DATA}): {@code CMSG_ALIGN(sizeof(struct cmsghdr))}. */
        public static final int DATA = 16;
        /** {@code sizeof(size_t)}: every control message starts at a multiple of it. */
        public static final int ALIGNMENT = 8;

        private Cmsghdr() {
        }

        /** {@code CMSG_ALIGN(len)}: {@code len} rounded up to the next multiple of {@link #ALIGNMENT}. */
        public static int align(int len) {
            return (len + ALIGNMENT - 1) & -ALIGNMENT;
        }

        /** {@code CMSG_SPACE(dataLen)}: the bytes a message with {@code dataLen} bytes of data takes in the buffer. */
        public static int space(int dataLen) {
            return DATA + align(dataLen);
        }

        /** {@code CMSG_LEN(dataLen)}: the {@code cmsg_len} of a message with {@code dataLen} bytes of data. */
        public static int length(int dataLen) {
            return DATA + dataLen;
        }
    }

    /** <pre>struct __kernel_timespec { __kernel_time64_t tv_sec; long long tv_nsec; };</pre> */
    public static final class Timespec {
        public static final int SEC = 0;
        public static final int NSEC = 8;
        public static final int SIZE = 16;

        private Timespec() {
        }
    }

    /**
     * Argument of {@code io_uring_enter} with {@code IORING_ENTER_EXT_ARG}.
     * <pre>
     * struct io_uring_getevents_arg { __u64 sigmask; __u32 sigmask_sz; __u32 min_wait_usec; __u64 ts; };
     * </pre>
     */
    public static final class GeteventsArg {
        public static final int SIGMASK = 0;
        public static final int SIGMASK_SZ = 8;
        public static final int MIN_WAIT_USEC = 12;
        public static final int TS = 16;
        public static final int SIZE = 24;

        private GeteventsArg() {
        }
    }

    /**
     * <pre>
     * struct io_uring_probe { __u8 last_op; __u8 ops_len; __u16 resv; __u32 resv2[3];
     *                         struct io_uring_probe_op ops[]; };
     * struct io_uring_probe_op { __u8 op; __u8 resv; __u16 flags; __u32 resv2; };
     * </pre>
     */
    public static final class ProbeLayout {
        public static final int LAST_OP = 0;
        public static final int OPS_LEN = 1;
        public static final int RESV = 2;
        public static final int RESV2 = 4;
        public static final int OPS = 16;
        public static final int HEADER_SIZE = 16;
        public static final int OP_OP = 0;
        public static final int OP_RESV = 1;
        public static final int OP_FLAGS = 2;
        public static final int OP_RESV2 = 4;
        public static final int OP_SIZE = 8;
        /** {@code IO_URING_OP_SUPPORTED} in {@code io_uring_probe_op.flags}. */
        public static final int OP_SUPPORTED = 1;

        private ProbeLayout() {
        }
    }

    /**
     * Argument of {@code REGISTER_FILES_UPDATE}.
     * <pre>struct io_uring_files_update { __u32 offset; __u32 resv; __aligned_u64 fds; };</pre>
     */
    public static final class FilesUpdate {
        public static final int OFFSET = 0;
        public static final int RESV = 4;
        public static final int FDS = 8;
        public static final int SIZE = 16;

        private FilesUpdate() {
        }
    }

    /**
     * Element of the {@code REGISTER_RING_FDS} argument array.
     * <pre>struct io_uring_rsrc_update { __u32 offset; __u32 resv; __aligned_u64 data; };</pre>
     */
    public static final class RsrcUpdate {
        public static final int OFFSET = 0;
        public static final int RESV = 4;
        public static final int DATA = 8;
        public static final int SIZE = 16;

        private RsrcUpdate() {
        }
    }

    /**
     * Argument of {@code REGISTER_PBUF_RING}.
     * <pre>
     * struct io_uring_buf_reg { __u64 ring_addr; __u32 ring_entries; __u16 bgid; __u16 flags; __u64 resv[3]; };
     * </pre>
     */
    public static final class BufReg {
        public static final int RING_ADDR = 0;
        public static final int RING_ENTRIES = 8;
        public static final int BGID = 12;
        public static final int FLAGS = 14;
        public static final int RESV = 16;
        public static final int SIZE = 40;

        private BufReg() {
        }
    }

    /**
     * One entry of a provided-buffer ring. The ring's tail is the {@code __u16} at offset 14 of entry 0,
     * overlaying that entry's {@code resv} (the kernel's {@code struct io_uring_buf_ring} union).
     * <pre>struct io_uring_buf { __u64 addr; __u32 len; __u16 bid; __u16 resv; };</pre>
     */
    public static final class Buf {
        public static final int ADDR = 0;
        public static final int LEN = 8;
        public static final int BID = 12;
        public static final int RESV = 14;
        public static final int SIZE = 16;
        /** Offset of {@code io_uring_buf_ring.tail} from the start of the ring. */
        public static final int RING_TAIL = 14;

        private Buf() {
        }
    }
    /**
     * The result of {@code statx(2)} (and of the STATX op), written by the kernel at the address the op names.
     * <pre>
     * struct statx {
     *     __u32 stx_mask;  __u32 stx_blksize;  __u64 stx_attributes;
     *     __u32 stx_nlink;  __u32 stx_uid;  __u32 stx_gid;  __u16 stx_mode;  __u16 __spare0[1];
     *     __u64 stx_ino;  __u64 stx_size;  __u64 stx_blocks;  __u64 stx_attributes_mask;
     *     struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
     *         // struct statx_timestamp { __s64 tv_sec; __u32 tv_nsec; __s32 __reserved; };
     *     __u32 stx_rdev_major;  __u32 stx_rdev_minor;  __u32 stx_dev_major;  __u32 stx_dev_minor;
     *     __u64 stx_mnt_id;
     *     __u32 stx_dio_mem_align;  __u32 stx_dio_offset_align;   // Linux 6.1, with STATX_DIOALIGN
     *     __u64 __spare3[12];   // later kernels fill some of these; 256 bytes in all
     * };
     * </pre>
     * {@code stx_size} is {@link #FILE_SIZE} here, since {@code SIZE} is the struct's size as in every layout.
     */
    public static final class Statx {
        public static final int MASK = 0;
        public static final int BLKSIZE = 4;
        public static final int ATTRIBUTES = 8;
        public static final int NLINK = 16;
        public static final int UID = 20;
        public static final int GID = 24;
        public static final int MODE = 28;
        public static final int SPARE0 = 30;
        public static final int INO = 32;
        public static final int FILE_SIZE = 40;
        public static final int BLOCKS = 48;
        public static final int ATTRIBUTES_MASK = 56;
        public static final int ATIME = 64;
        public static final int BTIME = 80;
        public static final int CTIME = 96;
        public static final int MTIME = 112;
        public static final int RDEV_MAJOR = 128;
        public static final int RDEV_MINOR = 132;
        public static final int DEV_MAJOR = 136;
        public static final int DEV_MINOR = 140;
        public static final int MNT_ID = 144;
        public static final int DIO_MEM_ALIGN = 152;
        public static final int DIO_OFFSET_ALIGN = 156;
        public static final int SPARE3 = 160;
        public static final int SIZE = 256;

        private Statx() {
        }
    }
}
