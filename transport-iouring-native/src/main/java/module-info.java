/**
 * The ring library: a small, complete Java io_uring library over JNA (the role liburing plays in C), usable without
 * Netty.
 *
 * <p>Only {@code org.iouring4j.ring} is exported. {@code org.iouring4j.ring.internal} (the raw syscalls, the kernel's
 * ABI layouts, the direct-buffer address look-up) is the library's own: on the module path no other module can
 * compile against it or reach it by reflection, and the transport does not need it either.
 */
// JNA's jar names its module only in its manifest (Automatic-Module-Name: com.sun.jna); JNA also publishes the
// same module with a descriptor (jna-jpms), so the name is stable either way.
@SuppressWarnings("requires-automatic")
module org.iouring4j.ring {
    requires com.sun.jna;

    exports org.iouring4j.ring;
    exports org.iouring4j.ring.file;
}
