package org.iouring4j.transport.testsuite;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback address where connection attempts neither succeed nor fail, only time out: a listening socket
 * that never accepts, with a backlog of 1 that plain {@link Socket}s have filled. Linux then drops every new
 * SYN (the accept queue is full), so a connect keeps retransmitting until the caller's timeout. It stands in
 * for the testsuite's default unroutable "bad host", which is routable from some machines, and keeps the
 * connection-timeout tests on loopback.
 */
final class FullBacklogListener implements AutoCloseable {
    private static final int MAX_FILLERS = 8;
    private static final int FILL_TIMEOUT_MILLIS = 500;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private FullBacklogListener() throws IOException {
        server = new ServerSocket();
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 1);
            fill();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    static FullBacklogListener open() throws IOException {
        return new FullBacklogListener();
    }

    /** Connects until one attempt times out: the accept queue is full from then on. */
    private void fill() throws IOException {
        for (int i = 0; i < MAX_FILLERS; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(address(), FILL_TIMEOUT_MILLIS);
            } catch (SocketTimeoutException full) {
                socket.close();
                return;
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
            fillers.add(socket);
        }
        throw new IllegalStateException("the accept queue of " + address() + " still took connections after "
                + MAX_FILLERS + " of them");
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Socket socket : fillers) {
            try {
                socket.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        fillers.clear();
        server.close();
        if (failure != null) {
            throw failure;
        }
    }
}
