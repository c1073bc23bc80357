package org.iouring4j.transport;

import io.netty.channel.ChannelException;
import org.iouring4j.ring.LinuxSocket;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.ring.TcpInfo;

/**
 * Socket option access for the channel configs: {@code setsockopt}/{@code getsockopt} on the channel's fd through
 * {@link SyscallMemory} (no allocation on a loop thread), failures reported as Netty reports them from config
 * methods, as {@link ChannelException}.
 */
final class SocketOptions {
    private SocketOptions() {
    }

    static int getInt(int fd, int level, int option) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            return LinuxSocket.getIntOption(fd, level, option, memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }

    static void setInt(int fd, int level, int option, int value) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            LinuxSocket.setIntOption(fd, level, option, value, memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }

    static boolean getBoolean(int fd, int level, int option) {
        return getInt(fd, level, option) != 0;
    }

    static void setBoolean(int fd, int level, int option, boolean value) {
        setInt(fd, level, option, value ? 1 : 0);
    }

    /** IP_TOS for IPv4; for a dual-stack IPv6 socket the IPv6 traffic class too. */
    static void setTrafficClass(int fd, boolean ipv6, int trafficClass) {
        setInt(fd, LinuxSocket.IPPROTO_IP, LinuxSocket.IP_TOS, trafficClass);
        if (ipv6) {
            setInt(fd, LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_TCLASS, trafficClass);
        }
    }

    static int getTrafficClass(int fd, boolean ipv6) {
        return ipv6 ? getInt(fd, LinuxSocket.IPPROTO_IPV6, LinuxSocket.IPV6_TCLASS)
                : getInt(fd, LinuxSocket.IPPROTO_IP, LinuxSocket.IP_TOS);
    }

    static TcpInfo getTcpInfo(int fd, TcpInfo into) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            LinuxSocket.tcpInfo(fd, into, memory.get());
            return into;
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }

    static int getLinger(int fd) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            return LinuxSocket.getLinger(fd, memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }

    static void setLinger(int fd, int seconds) {
        try (SyscallMemory memory = SyscallMemory.acquire()) {
            LinuxSocket.setLinger(fd, seconds, memory.get());
        } catch (NativeIoException e) {
            throw new ChannelException(e);
        }
    }
}
