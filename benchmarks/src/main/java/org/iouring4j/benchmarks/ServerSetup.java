package org.iouring4j.benchmarks;

import org.iouring4j.examples.Transport;

import java.util.List;

/**
 * One server of the {@link TransportComparison}, one row of its tables: an example server on a {@link Transport},
 * and for an iouring4j mode the system properties that select it in the server's JVM, so that each mode is measured
 * against the other transports in the same run.
 *
 * @param id         the name {@code -Dtransports} takes and the tables show
 * @param properties system properties for the server's JVM ({@code -Dname=value})
 */
record ServerSetup(String id, Transport transport, List<String> properties) {
    static final ServerSetup IOURING4J = plain(Transport.IOURING4J);
    static final ServerSetup NIO = plain(Transport.NIO);
    static final ServerSetup EPOLL = plain(Transport.EPOLL);
    static final ServerSetup NETTY_IOURING = plain(Transport.NETTY_IOURING);
    /** iouring4j with READV scatter reads on its stream channels instead of its default multishot receives. */
    static final ServerSetup IOURING4J_READV = new ServerSetup("iouring4j-readv", Transport.IOURING4J,
            List.of("-Diouring4j.streamReadMode=readv"));
    /** iouring4j with a RECV per read into the allocator's buffers instead of its default multishot receives. */
    static final ServerSetup IOURING4J_RECV = new ServerSetup("iouring4j-recv", Transport.IOURING4J,
            List.of("-Diouring4j.streamReadMode=recv"));

    /**
     * iouring4j with multishot receives taking a whole provided buffer each, as on kernels before 6.12, instead of
     * filling a buffer a receive at a time ({@code IOU_PBUF_RING_INC}).
     */
    static final ServerSetup IOURING4J_WHOLE_BUFFERS = new ServerSetup("iouring4j-whole-buffers", Transport.IOURING4J,
            List.of("-Diouring4j.bufferRingIncremental=false"));

    /**
     * Netty's epoll transport whose {@code StaticFileServer} reads files by blocking {@code FileChannel} reads on the
     * event loop ({@code ChunkedNioFile}) rather than {@code sendfile}: the way a server that must see the bytes
     * (TLS, compression) reads them there. Other servers ignore the property.
     */
    static final ServerSetup EPOLL_BLOCKING = new ServerSetup("epoll-blocking", Transport.EPOLL,
            List.of("-DfileReads=blocking"));
    /** iouring4j whose {@code StaticFileServer} sends files as {@code DefaultFileRegion}s (SPLICE), not loop reads. */
    static final ServerSetup IOURING4J_SPLICE = new ServerSetup("iouring4j-splice", Transport.IOURING4J,
            List.of("-DfileReads=region"));

    /** Every setup, in the order the tables show them. */
    static final List<ServerSetup> ALL = List.of(IOURING4J, IOURING4J_WHOLE_BUFFERS, IOURING4J_RECV, IOURING4J_READV,
            IOURING4J_SPLICE, NIO, EPOLL, EPOLL_BLOCKING, NETTY_IOURING);
    /** What runs unless {@code -Dtransports} says otherwise: the transports as they are by default. */
    static final List<ServerSetup> DEFAULT = List.of(IOURING4J, NIO, EPOLL, NETTY_IOURING);

    private static ServerSetup plain(Transport transport) {
        return new ServerSetup(transport.id(), transport, List.of());
    }
}
