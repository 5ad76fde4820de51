package dev.klambda.core.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on the loopback address, for a listener that has to be named before it binds: a
 * broker's static voter address, or a process started with its port in its environment.
 */
public final class FreePorts {

    /**
     * Ports from here on are nobody's ephemeral range: Linux's starts at 32768, macOS's and
     * Windows' at 49152.
     */
    static final int FIRST = 20_000;
    static final int COUNT = 10_000;
    private static final int ATTEMPTS = 100;

    private FreePorts() {
    }

    /**
     * A port nobody listens on now, below the ephemeral ranges. A port from {@code new ServerSocket(0)}
     * lies inside them, where any outgoing connection may take it as its local port before the
     * listener that was told it binds; a connection never takes a port below them.
     *
     * @throws UncheckedIOException when 100 random ports in that range are all taken
     */
    public static int belowEphemeralRange() {
        return inRange(FIRST, COUNT);
    }

    /** A free port among the {@code count} from {@code first} on, tried at random. */
    static int inRange(int first, int count) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = first + ThreadLocalRandom.current().nextInt(count);
            try (ServerSocket free = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return free.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new UncheckedIOException(new IOException(
                "no free port on the loopback address between " + first + " and " + (first + count - 1)));
    }
}
