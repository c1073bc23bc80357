package org.iouring4j.transport.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapFactory;
import io.netty.testsuite.transport.socket.SocketConnectionAttemptTest;
import io.netty.testsuite.transport.socket.SocketTestPermutation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.lang.reflect.Field;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Netty's {@link SocketConnectionAttemptTest} (client side only) on iouring4j.
 *
 * <p>The "bad host" whose connects must time out is a {@link FullBacklogListener} on loopback, handed to the
 * testsuite through {@code io.netty.testsuite.badHost} and {@code badPort}. The testsuite reads those once, when
 * {@link SocketTestPermutation} is initialized; each test class runs in its own JVM (see the module's surefire
 * configuration), and {@link #openBadHost()} checks that the values took.
 */
@UringTestsuite
public class UringSocketConnectionAttemptTest extends SocketConnectionAttemptTest {
    private static FullBacklogListener badHost;

    @BeforeAll
    static void openBadHost() throws Exception {
        badHost = FullBacklogListener.open();
        String host = badHost.address().getAddress().getHostAddress();
        int port = badHost.address().getPort();
        System.setProperty("io.netty.testsuite.badHost", host);
        System.setProperty("io.netty.testsuite.badPort", Integer.toString(port));
        assertEquals(host, testsuiteConstant("BAD_HOST"),
                "SocketTestPermutation was initialized before the bad host was set: run this class in a JVM of its own");
        assertEquals(port, testsuiteConstant("BAD_PORT"));
    }

    @AfterAll
    static void closeBadHost() throws Exception {
        if (badHost != null) {
            badHost.close();
            badHost = null;
        }
    }

    private static Object testsuiteConstant(String name) throws ReflectiveOperationException {
        Field field = SocketTestPermutation.class.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(null);
    }

    @Override
    protected List<BootstrapFactory<Bootstrap>> newFactories() {
        return UringSocketTestPermutation.INSTANCE.uringClientSocket();
    }
}
