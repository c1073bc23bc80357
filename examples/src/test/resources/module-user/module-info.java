/** An application on the module path that uses the transport: see {@code ModuleBoundaryTest}. */
module iouring4j.moduleuser {
    requires org.iouring4j.transport;
}
