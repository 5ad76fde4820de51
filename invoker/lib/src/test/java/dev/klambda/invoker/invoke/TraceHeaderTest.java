package dev.klambda.invoker.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TraceHeaderTest {

    @Test
    void keepsTheCallersXRayHeader() {
        String header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        assertThat(TraceHeader.of(header, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0)).isEqualTo(header);
    }

    @Test
    void translatesAW3cTraceparent() {
        assertThat(TraceHeader.of(null, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 0))
                .isEqualTo("Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=0");
    }

    @ParameterizedTest
    @ValueSource(strings = { "garbage", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01" })
    void startsANewRootWithoutAUsableHeader(String traceparent) {
        String trace = TraceHeader.of("Self=1-abc", traceparent, 0x5759e988L);
        assertThat(trace).matches("Root=1-5759e988-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0");
        assertThat(TraceHeader.of(null, null, 0x5759e988L)).isNotEqualTo(trace);
    }
}
