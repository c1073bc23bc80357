package org.iouring4j.transport.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fd counts the reliability tests compare before and after are the transport's alone: an fd the JDK opens on
 * first use and keeps is open before any test takes its "before" snapshot. Surefire runs this class in a JVM of
 * its own, so the socket below is the first JDK socket of that JVM.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OpenFdsTest {
    @Test
    void theFirstJdkSocketOfTheJvmLeavesNoFdBehind() throws IOException {
        Map<Integer, String> before = Reliability.describeFds();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(16 * 1024); // opens the socket's fd
        }
        assertEquals(before.size(), Reliability.openFdCount(),
                () -> "fds left open by a closed JDK socket: " + Reliability.fdDiff(before, Reliability.describeFds()));
    }
}
