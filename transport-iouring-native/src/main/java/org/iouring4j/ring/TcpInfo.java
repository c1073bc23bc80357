package org.iouring4j.ring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What the kernel knows about one TCP connection: its {@code struct tcp_info}, as {@code getsockopt(IPPROTO_TCP,
 * TCP_INFO)} returns it (see {@code tcp(7)}, and {@code ss -ti}, which prints the same struct). Filled by
 * {@link LinuxSocket#tcpInfo(int, TcpInfo, NativeMemory)}; one instance can be filled again and again, so a
 * monitor polling many connections allocates nothing per poll.
 *
 * <p>The struct is read up to {@code tcpi_snd_wnd}, as Linux 5.4 laid it out ({@link #SIZE} bytes); the fields
 * later kernels append are not read. Each accessor reads its field at the byte offset {@code linux/tcp.h} gives it
 * (the constants below), in the machine's byte order:
 * <pre>
 * struct tcp_info {
 *     __u8  tcpi_state;              //   0   a TCP_* state below
 *     __u8  tcpi_ca_state;           //   1   congestion-avoidance state (TCP_CA_Open 0 .. TCP_CA_Loss 4)
 *     __u8  tcpi_retransmits;        //   2
 *     __u8  tcpi_probes;             //   3
 *     __u8  tcpi_backoff;            //   4
 *     __u8  tcpi_options;            //   5   TCPI_OPT_* bits
 *     __u8  tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;                          //   6
 *     __u8  tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2; //   7
 *     __u32 tcpi_rto, tcpi_ato, tcpi_snd_mss, tcpi_rcv_mss;                    //   8  12  16  20
 *     __u32 tcpi_unacked, tcpi_sacked, tcpi_lost, tcpi_retrans, tcpi_fackets;  //  24  28  32  36  40
 *     __u32 tcpi_last_data_sent, tcpi_last_ack_sent, tcpi_last_data_recv, tcpi_last_ack_recv; // 44 48 52 56
 *     __u32 tcpi_pmtu, tcpi_rcv_ssthresh, tcpi_rtt, tcpi_rttvar;               //  60  64  68  72
 *     __u32 tcpi_snd_ssthresh, tcpi_snd_cwnd, tcpi_advmss, tcpi_reordering;    //  76  80  84  88
 *     __u32 tcpi_rcv_rtt, tcpi_rcv_space, tcpi_total_retrans;                  //  92  96 100
 *     __u64 tcpi_pacing_rate, tcpi_max_pacing_rate;                            // 104 112
 *     __u64 tcpi_bytes_acked, tcpi_bytes_received;                             // 120 128
 *     __u32 tcpi_segs_out, tcpi_segs_in;                                       // 136 140
 *     __u32 tcpi_notsent_bytes, tcpi_min_rtt, tcpi_data_segs_in, tcpi_data_segs_out; // 144 148 152 156
 *     __u64 tcpi_delivery_rate;                                                // 160
 *     __u64 tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited;            // 168 176 184
 *     __u32 tcpi_delivered, tcpi_delivered_ce;                                 // 192 196
 *     __u64 tcpi_bytes_sent, tcpi_bytes_retrans;                               // 200 208
 *     __u32 tcpi_dsack_dups, tcpi_reord_seen, tcpi_rcv_ooopack, tcpi_snd_wnd;  // 216 220 224 228
 * };                                                                           // 232 bytes
 * </pre>
 * Unsigned 32-bit fields come as non-negative {@code long}s; unsigned 64-bit ones as {@code long}s that a value at
 * or above 2<sup>63</sup> turns negative (read them with {@link Long#toUnsignedString(long)}): an unlimited
 * {@link #maxPacingRate()} is {@code -1}, i.e. 2<sup>64</sup>-1. Times are microseconds unless said otherwise.
 * Before the first fill every field reads 0.
 *
 * <p>Not thread-safe: fill and read an instance on one thread, or hand it over safely.
 */
public final class TcpInfo {
    /** Bytes of {@code struct tcp_info} read: up to and including {@code tcpi_snd_wnd} (Linux 5.4's layout). */
    public static final int SIZE = 232;

    /** {@code tcpi_state} values ({@code include/net/tcp_states.h}). */
    public static final int TCP_ESTABLISHED = 1;
    public static final int TCP_SYN_SENT = 2;
    public static final int TCP_SYN_RECV = 3;
    public static final int TCP_FIN_WAIT1 = 4;
    public static final int TCP_FIN_WAIT2 = 5;
    public static final int TCP_TIME_WAIT = 6;
    public static final int TCP_CLOSE = 7;
    public static final int TCP_CLOSE_WAIT = 8;
    public static final int TCP_LAST_ACK = 9;
    public static final int TCP_LISTEN = 10;
    public static final int TCP_CLOSING = 11;

    static final int STATE = 0;
    static final int CA_STATE = 1;
    static final int RETRANSMITS = 2;
    static final int PROBES = 3;
    static final int BACKOFF = 4;
    static final int OPTIONS = 5;
    /** The byte holding the bit fields {@code tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4}. */
    static final int WSCALES = 6;
    /** The byte holding {@code tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2}. */
    static final int RATE_FLAGS = 7;
    static final int RTO = 8;
    static final int ATO = 12;
    static final int SND_MSS = 16;
    static final int RCV_MSS = 20;
    static final int UNACKED = 24;
    static final int SACKED = 28;
    static final int LOST = 32;
    static final int RETRANS = 36;
    static final int FACKETS = 40;
    static final int LAST_DATA_SENT = 44;
    static final int LAST_ACK_SENT = 48;
    static final int LAST_DATA_RECV = 52;
    static final int LAST_ACK_RECV = 56;
    static final int PMTU = 60;
    static final int RCV_SSTHRESH = 64;
    static final int RTT = 68;
    static final int RTTVAR = 72;
    static final int SND_SSTHRESH = 76;
    static final int SND_CWND = 80;
    static final int ADVMSS = 84;
    static final int REORDERING = 88;
    static final int RCV_RTT = 92;
    static final int RCV_SPACE = 96;
    static final int TOTAL_RETRANS = 100;
    static final int PACING_RATE = 104;
    static final int MAX_PACING_RATE = 112;
    static final int BYTES_ACKED = 120;
    static final int BYTES_RECEIVED = 128;
    static final int SEGS_OUT = 136;
    static final int SEGS_IN = 140;
    static final int NOTSENT_BYTES = 144;
    static final int MIN_RTT = 148;
    static final int DATA_SEGS_IN = 152;
    static final int DATA_SEGS_OUT = 156;
    static final int DELIVERY_RATE = 160;
    static final int BUSY_TIME = 168;
    static final int RWND_LIMITED = 176;
    static final int SNDBUF_LIMITED = 184;
    static final int DELIVERED = 192;
    static final int DELIVERED_CE = 196;
    static final int BYTES_SENT = 200;
    static final int BYTES_RETRANS = 208;
    static final int DSACK_DUPS = 216;
    static final int REORD_SEEN = 220;
    static final int RCV_OOOPACK = 224;
    static final int SND_WND = 228;

    /**
     * C bit fields fill a byte from its low bits on little-endian machines and from its high bits on big-endian
     * ones (the ABI of GCC and Clang), so the first field declared sits at the other end of the byte there.
     */
    private static final boolean BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

    private final ByteBuffer struct = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
    private int length;

    /** An empty snapshot (every field 0), to be filled by {@link LinuxSocket#tcpInfo(int, TcpInfo, NativeMemory)}. */
    public TcpInfo() {
    }

    /**
     * Takes the struct the kernel wrote at offset 0 of {@code memory}, {@code length} bytes of it; fields beyond
     * them (a kernel older than the layout read here) read 0.
     */
    void fill(NativeMemory memory, int length) {
        int copied = Math.min(length, SIZE);
        memory.get(0, struct.array(), 0, copied);
        java.util.Arrays.fill(struct.array(), copied, SIZE, (byte) 0);
        this.length = copied;
    }

    /** How many bytes of the struct the kernel filled at the last fill ({@link #SIZE} on Linux 5.4 and later). */
    public int length() {
        return length;
    }

    private int u8(int offset) {
        return struct.get(offset) & 0xFF;
    }

    private long u32(int offset) {
        return struct.getInt(offset) & 0xFFFF_FFFFL;
    }

    private long u64(int offset) {
        return struct.getLong(offset);
    }

    /** The bits {@code [shift, shift + width)} of a bit-field byte, counted from where the compiler starts. */
    private int bits(int offset, int shift, int width) {
        int mask = (1 << width) - 1;
        int fromLow = BIG_ENDIAN ? Byte.SIZE - shift - width : shift;
        return (u8(offset) >>> fromLow) & mask;
    }

    /** {@code tcpi_state}: {@link #TCP_ESTABLISHED}, {@link #TCP_LISTEN}, ... */
    public int state() {
        return u8(STATE);
    }

    /** {@code tcpi_ca_state}: congestion-avoidance state, 0 (Open) to 4 (Loss). */
    public int caState() {
        return u8(CA_STATE);
    }

    /** {@code tcpi_retransmits}: retransmission timeouts in a row for the current unacknowledged data. */
    public int retransmits() {
        return u8(RETRANSMITS);
    }

    /** {@code tcpi_probes}: unanswered zero-window or keepalive probes. */
    public int probes() {
        return u8(PROBES);
    }

    /** {@code tcpi_backoff}: the exponential backoff of the retransmission timer. */
    public int backoff() {
        return u8(BACKOFF);
    }

    /** {@code tcpi_options}: {@code TCPI_OPT_*} bits (1 timestamps, 2 SACK, 4 window scaling, 8 ECN, ...). */
    public int options() {
        return u8(OPTIONS);
    }

    /** {@code tcpi_snd_wscale}: the window scale the peer announced (applied to the windows it sends). */
    public int sndWscale() {
        return bits(WSCALES, 0, 4);
    }

    /** {@code tcpi_rcv_wscale}: the window scale this side announced. */
    public int rcvWscale() {
        return bits(WSCALES, 4, 4);
    }

    /** {@code tcpi_delivery_rate_app_limited}: the last delivery-rate sample was limited by the application. */
    public boolean deliveryRateAppLimited() {
        return bits(RATE_FLAGS, 0, 1) != 0;
    }

    /** {@code tcpi_fastopen_client_fail}: why a TCP Fast Open connect fell back (0: it did not, or no TFO). */
    public int fastopenClientFail() {
        return bits(RATE_FLAGS, 1, 2);
    }

    /** {@code tcpi_rto}: the retransmission timeout. */
    public long rto() {
        return u32(RTO);
    }

    /** {@code tcpi_ato}: the delayed-ACK timeout. */
    public long ato() {
        return u32(ATO);
    }

    /** {@code tcpi_snd_mss}: the largest segment this side sends, in bytes. */
    public long sndMss() {
        return u32(SND_MSS);
    }

    /** {@code tcpi_rcv_mss}: the kernel's estimate of the peer's segment size, in bytes. */
    public long rcvMss() {
        return u32(RCV_MSS);
    }

    /** {@code tcpi_unacked}: segments sent and not yet acknowledged (or, listening, the accept queue's length). */
    public long unacked() {
        return u32(UNACKED);
    }

    /** {@code tcpi_sacked}: segments selectively acknowledged (or, listening, the accept backlog). */
    public long sacked() {
        return u32(SACKED);
    }

    /** {@code tcpi_lost}: segments deemed lost. */
    public long lost() {
        return u32(LOST);
    }

    /** {@code tcpi_retrans}: segments retransmitted and not yet acknowledged. */
    public long retrans() {
        return u32(RETRANS);
    }

    /** {@code tcpi_fackets}: always 0 since Linux 4.15 (forward acknowledgement was removed). */
    public long fackets() {
        return u32(FACKETS);
    }

    /** {@code tcpi_last_data_sent}: milliseconds since data was last sent. */
    public long lastDataSent() {
        return u32(LAST_DATA_SENT);
    }

    /** {@code tcpi_last_ack_sent}: always 0 (the kernel does not record it). */
    public long lastAckSent() {
        return u32(LAST_ACK_SENT);
    }

    /** {@code tcpi_last_data_recv}: milliseconds since data was last received. */
    public long lastDataRecv() {
        return u32(LAST_DATA_RECV);
    }

    /** {@code tcpi_last_ack_recv}: milliseconds since an ACK was last received. */
    public long lastAckRecv() {
        return u32(LAST_ACK_RECV);
    }

    /** {@code tcpi_pmtu}: the path MTU, in bytes. */
    public long pmtu() {
        return u32(PMTU);
    }

    /** {@code tcpi_rcv_ssthresh}: the current window clamp this side advertises up to, in bytes. */
    public long rcvSsthresh() {
        return u32(RCV_SSTHRESH);
    }

    /** {@code tcpi_rtt}: the smoothed round-trip time. */
    public long rtt() {
        return u32(RTT);
    }

    /** {@code tcpi_rttvar}: the round-trip time's mean deviation. */
    public long rttvar() {
        return u32(RTTVAR);
    }

    /** {@code tcpi_snd_ssthresh}: the slow-start threshold, in segments. */
    public long sndSsthresh() {
        return u32(SND_SSTHRESH);
    }

    /** {@code tcpi_snd_cwnd}: the congestion window, in segments. */
    public long sndCwnd() {
        return u32(SND_CWND);
    }

    /** {@code tcpi_advmss}: the segment size this side advertised, in bytes. */
    public long advmss() {
        return u32(ADVMSS);
    }

    /** {@code tcpi_reordering}: how many segments out of order the kernel tolerates before deeming one lost. */
    public long reordering() {
        return u32(REORDERING);
    }

    /** {@code tcpi_rcv_rtt}: the round-trip time as the receiving side estimates it. */
    public long rcvRtt() {
        return u32(RCV_RTT);
    }

    /** {@code tcpi_rcv_space}: the receive-buffer space the auto-tuning aims at, in bytes. */
    public long rcvSpace() {
        return u32(RCV_SPACE);
    }

    /** {@code tcpi_total_retrans}: segments retransmitted over the connection's life. */
    public long totalRetrans() {
        return u32(TOTAL_RETRANS);
    }

    /** {@code tcpi_pacing_rate}: the current pacing rate, in bytes per second (unsigned). */
    public long pacingRate() {
        return u64(PACING_RATE);
    }

    /** {@code tcpi_max_pacing_rate}: the {@code SO_MAX_PACING_RATE} cap, bytes per second; -1 (unsigned max): none. */
    public long maxPacingRate() {
        return u64(MAX_PACING_RATE);
    }

    /** {@code tcpi_bytes_acked}: bytes the peer acknowledged (RFC 4898 tcpEStatsAppHCThruOctetsAcked). */
    public long bytesAcked() {
        return u64(BYTES_ACKED);
    }

    /** {@code tcpi_bytes_received}: bytes received in order (RFC 4898 tcpEStatsAppHCThruOctetsReceived). */
    public long bytesReceived() {
        return u64(BYTES_RECEIVED);
    }

    /** {@code tcpi_segs_out}: segments sent, retransmissions and pure ACKs included. */
    public long segsOut() {
        return u32(SEGS_OUT);
    }

    /** {@code tcpi_segs_in}: segments received, pure ACKs included. */
    public long segsIn() {
        return u32(SEGS_IN);
    }

    /** {@code tcpi_notsent_bytes}: bytes written to the socket and not sent yet. */
    public long notsentBytes() {
        return u32(NOTSENT_BYTES);
    }

    /** {@code tcpi_min_rtt}: the smallest round-trip time seen recently. */
    public long minRtt() {
        return u32(MIN_RTT);
    }

    /** {@code tcpi_data_segs_in}: segments received that carried data. */
    public long dataSegsIn() {
        return u32(DATA_SEGS_IN);
    }

    /** {@code tcpi_data_segs_out}: segments sent that carried data, retransmissions included. */
    public long dataSegsOut() {
        return u32(DATA_SEGS_OUT);
    }

    /** {@code tcpi_delivery_rate}: the latest delivery-rate sample, in bytes per second. */
    public long deliveryRate() {
        return u64(DELIVERY_RATE);
    }

    /** {@code tcpi_busy_time}: time spent with data in flight. */
    public long busyTime() {
        return u64(BUSY_TIME);
    }

    /** {@code tcpi_rwnd_limited}: time sending was limited by the peer's receive window. */
    public long rwndLimited() {
        return u64(RWND_LIMITED);
    }

    /** {@code tcpi_sndbuf_limited}: time sending was limited by this socket's send buffer. */
    public long sndbufLimited() {
        return u64(SNDBUF_LIMITED);
    }

    /** {@code tcpi_delivered}: segments delivered to the peer, out-of-order ones included. */
    public long delivered() {
        return u32(DELIVERED);
    }

    /** {@code tcpi_delivered_ce}: of those, segments the network marked Congestion Experienced (ECN). */
    public long deliveredCe() {
        return u32(DELIVERED_CE);
    }

    /** {@code tcpi_bytes_sent}: data bytes sent, retransmissions included (RFC 4898 tcpEStatsPerfHCDataOctetsOut). */
    public long bytesSent() {
        return u64(BYTES_SENT);
    }

    /** {@code tcpi_bytes_retrans}: data bytes retransmitted (RFC 4898 tcpEStatsPerfOctetsRetrans). */
    public long bytesRetrans() {
        return u64(BYTES_RETRANS);
    }

    /** {@code tcpi_dsack_dups}: segments the peer reported received twice (RFC 4898 tcpEStatsStackDSACKDups). */
    public long dsackDups() {
        return u32(DSACK_DUPS);
    }

    /** {@code tcpi_reord_seen}: reordering events seen. */
    public long reordSeen() {
        return u32(REORD_SEEN);
    }

    /** {@code tcpi_rcv_ooopack}: segments received out of order. */
    public long rcvOoopack() {
        return u32(RCV_OOOPACK);
    }

    /** {@code tcpi_snd_wnd}: the peer's receive window, scaled, in bytes. */
    public long sndWnd() {
        return u32(SND_WND);
    }

    /** The fields most looked at, for logs. */
    @Override
    public String toString() {
        return "TcpInfo[state=" + state() + ", caState=" + caState() + ", rtt=" + rtt() + "us, rttvar=" + rttvar()
                + "us, minRtt=" + minRtt() + "us, rto=" + rto() + "us, sndMss=" + sndMss() + ", rcvMss=" + rcvMss()
                + ", pmtu=" + pmtu() + ", sndCwnd=" + sndCwnd() + ", sndWscale=" + sndWscale() + ", rcvWscale="
                + rcvWscale() + ", unacked=" + unacked() + ", totalRetrans=" + totalRetrans() + ", bytesSent="
                + bytesSent() + ", bytesAcked=" + bytesAcked() + ", bytesReceived=" + bytesReceived() + ", segsOut="
                + segsOut() + ", segsIn=" + segsIn() + ", notsentBytes=" + notsentBytes() + ", sndWnd=" + sndWnd()
                + "]";
    }
}
