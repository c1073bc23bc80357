package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.testsuite.transport.socket.SocketRstTest;
import org.iouring4j.ring.Errno;
import org.iouring4j.ring.NativeIoException;
import org.iouring4j.transport.UringSocketChannel;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Netty's {@link SocketRstTest} with iouring4j on at least one side. As for Netty's native transports, the
 * reset seen by an iouring4j client is checked by its errno (ECONNRESET), not by the wording of a message.
 */
@UringTestsuite
public class UringSocketRstTest extends SocketRstTest {
    @Override
    protected List<BootstrapComboFactory<ServerBootstrap, Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.socket();
    }

    @Override
    protected void assertRstOnCloseException(IOException cause, Channel clientChannel) {
        if (!(clientChannel instanceof UringSocketChannel)) {
            super.assertRstOnCloseException(cause, clientChannel);
            return;
        }
        NativeIoException nativeCause = assertInstanceOf(NativeIoException.class, cause,
                () -> "actual [type, message]: [" + cause.getClass() + ", " + cause.getMessage() + ']');
        assertEquals(Errno.ECONNRESET, nativeCause.errno(), nativeCause::getMessage);
    }
}
