/**
 * The Netty transport on io_uring: {@code UringIoHandler.newFactory()} and the {@code Uring*Channel}s of
 * {@code org.iouring4j.transport}, its only exported package.
 *
 * <p>Netty's and the ring library's modules are required transitively because the exported API is made of their
 * types (channels are Netty channels, failures are the ring's {@code NativeIoException}s): a module that requires
 * this one reads them too.
 *
 * <p>Two paths reach into members that Netty's modules do not open to this one (on the class path they need no flag);
 * without these flags each falls back, and says so with the flag to add:
 * <ul>
 * <li>splicing a {@code DefaultFileRegion} reads its file fields:
 *     {@code --add-opens io.netty.transport/io.netty.channel=org.iouring4j.transport} (else regions are copied);</li>
 * <li>{@code UringDomainSocketChannel.peerCredentials()} creates Netty's {@code PeerCredentials}:
 *     {@code --add-opens io.netty.transport.unix.common/io.netty.channel.unix=org.iouring4j.transport} (else it
 *     throws an {@code IOException}).</li>
 * </ul>
 */
module org.iouring4j.transport {
    requires transitive org.iouring4j.ring;
    requires transitive io.netty.common;
    requires transitive io.netty.buffer;
    requires transitive io.netty.transport;
    requires transitive io.netty.transport.unix.common;
    requires org.slf4j;
    // Only UringChunkedFile (a ChunkedInput) uses it, in applications that have Netty's handler module anyway (for
    // ChunkedWriteHandler): optional, so an application that does not use that class needs no io.netty.handler.
    requires static io.netty.handler;

    exports org.iouring4j.transport;
}
