package dev.klambda.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

class FreePortsTest {

    @Test
    void givesAPortBelowTheEphemeralRangeThatCanBeBound() throws Exception {
        int port = FreePorts.belowEphemeralRange();
        assertThat(port).isBetween(FreePorts.FIRST, FreePorts.FIRST + FreePorts.COUNT - 1);
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void neverGivesAPortSomebodyListensOn() throws Exception {
        int port = FreePorts.belowEphemeralRange();
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> FreePorts.inRange(port, 1)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("no free port on the loopback address between " + port + " and " + port);
            for (int i = 0; i < 20; i++) {
                assertThat(FreePorts.inRange(port, 2)).as("the one free port of the two").isEqualTo(port + 1);
            }
        }
    }
}
