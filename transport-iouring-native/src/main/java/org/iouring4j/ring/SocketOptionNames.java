package org.iouring4j.ring;

/**
 * The names of the socket options {@link LinuxSocket} defines, for error messages: a refused IP_TRANSPARENT says
 * {@code setsockopt(IP_TRANSPARENT)}, as {@link Multicast}'s messages name theirs, rather than
 * {@code setsockopt(0, 19)}. An option this library does not define is named by its level and number.
 */
final class SocketOptionNames {
    private SocketOptionNames() {
    }

    /** The option's name ({@code "IP_TRANSPARENT"}), or {@code "LEVEL, number"} for one not defined here. */
    static String of(int level, int option) {
        String optionName = optionName(level, option);
        return optionName != null ? optionName : levelName(level) + ", " + option;
    }

    private static String levelName(int level) {
        switch (level) {
            case LinuxSocket.SOL_SOCKET:
                return "SOL_SOCKET";
            case LinuxSocket.IPPROTO_IP:
                return "IPPROTO_IP";
            case LinuxSocket.IPPROTO_TCP:
                return "IPPROTO_TCP";
            case LinuxSocket.IPPROTO_UDP:
                return "IPPROTO_UDP";
            case LinuxSocket.IPPROTO_IPV6:
                return "IPPROTO_IPV6";
            default:
                return Integer.toString(level);
        }
    }

    private static String optionName(int level, int option) {
        switch (level) {
            case LinuxSocket.SOL_SOCKET:
                return socketOption(option);
            case LinuxSocket.IPPROTO_IP:
                return ipOption(option);
            case LinuxSocket.IPPROTO_TCP:
                return tcpOption(option);
            case LinuxSocket.IPPROTO_UDP:
                return option == LinuxSocket.UDP_SEGMENT ? "UDP_SEGMENT" : null;
            case LinuxSocket.IPPROTO_IPV6:
                return ipv6Option(option);
            default:
                return null;
        }
    }

    private static String socketOption(int option) {
        switch (option) {
            case LinuxSocket.SO_REUSEADDR: return "SO_REUSEADDR";
            case LinuxSocket.SO_ERROR: return "SO_ERROR";
            case LinuxSocket.SO_BROADCAST: return "SO_BROADCAST";
            case LinuxSocket.SO_SNDBUF: return "SO_SNDBUF";
            case LinuxSocket.SO_RCVBUF: return "SO_RCVBUF";
            case LinuxSocket.SO_KEEPALIVE: return "SO_KEEPALIVE";
            case LinuxSocket.SO_LINGER: return "SO_LINGER";
            case LinuxSocket.SO_REUSEPORT: return "SO_REUSEPORT";
            case LinuxSocket.SO_PEERCRED: return "SO_PEERCRED";
            default: return null;
        }
    }

    private static String ipOption(int option) {
        switch (option) {
            case LinuxSocket.IP_TOS: return "IP_TOS";
            case LinuxSocket.IP_FREEBIND: return "IP_FREEBIND";
            case LinuxSocket.IP_TRANSPARENT: return "IP_TRANSPARENT";
            case LinuxSocket.IP_RECVORIGDSTADDR: return "IP_RECVORIGDSTADDR";
            case LinuxSocket.IP_MULTICAST_IF: return "IP_MULTICAST_IF";
            case LinuxSocket.IP_MULTICAST_TTL: return "IP_MULTICAST_TTL";
            case LinuxSocket.IP_MULTICAST_LOOP: return "IP_MULTICAST_LOOP";
            default: return null;
        }
    }

    private static String tcpOption(int option) {
        switch (option) {
            case LinuxSocket.TCP_NODELAY: return "TCP_NODELAY";
            case LinuxSocket.TCP_CORK: return "TCP_CORK";
            case LinuxSocket.TCP_KEEPIDLE: return "TCP_KEEPIDLE";
            case LinuxSocket.TCP_KEEPINTVL: return "TCP_KEEPINTVL";
            case LinuxSocket.TCP_KEEPCNT: return "TCP_KEEPCNT";
            case LinuxSocket.TCP_DEFER_ACCEPT: return "TCP_DEFER_ACCEPT";
            case LinuxSocket.TCP_INFO: return "TCP_INFO";
            case LinuxSocket.TCP_QUICKACK: return "TCP_QUICKACK";
            case LinuxSocket.TCP_USER_TIMEOUT: return "TCP_USER_TIMEOUT";
            case LinuxSocket.TCP_FASTOPEN: return "TCP_FASTOPEN";
            case LinuxSocket.TCP_NOTSENT_LOWAT: return "TCP_NOTSENT_LOWAT";
            case LinuxSocket.TCP_FASTOPEN_CONNECT: return "TCP_FASTOPEN_CONNECT";
            default: return null;
        }
    }

    private static String ipv6Option(int option) {
        switch (option) {
            case LinuxSocket.IPV6_MULTICAST_IF: return "IPV6_MULTICAST_IF";
            case LinuxSocket.IPV6_MULTICAST_HOPS: return "IPV6_MULTICAST_HOPS";
            case LinuxSocket.IPV6_MULTICAST_LOOP: return "IPV6_MULTICAST_LOOP";
            case LinuxSocket.IPV6_V6ONLY: return "IPV6_V6ONLY";
            case LinuxSocket.IPV6_TCLASS: return "IPV6_TCLASS";
            case LinuxSocket.IPV6_RECVORIGDSTADDR: return "IPV6_RECVORIGDSTADDR";
            case LinuxSocket.IPV6_TRANSPARENT: return "IPV6_TRANSPARENT";
            case LinuxSocket.IPV6_FREEBIND: return "IPV6_FREEBIND";
            default: return null;
        }
    }
}
