package dev.klambda.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemandReportsTest {

    @Test
    void keysSplitBackIntoNamespaceAndPool() {
        String key = DemandReports.key("team-a", PoolNames.pool("My_Function", "$LATEST"));
        assertThat(DemandReports.parseKey(key))
                .contains(new DemandReports.PoolKey("team-a", PoolNames.pool("My_Function", "$LATEST")));
    }

    @Test
    void refusesKeysItDoesNotWrite() {
        assertThat(DemandReports.parseKey("no-dot")).isEmpty();
        assertThat(DemandReports.parseKey(".pool")).isEmpty();
        assertThat(DemandReports.parseKey("ns.")).isEmpty();
        assertThat(DemandReports.parseKey("a.b.c")).isEmpty();
    }

    @Test
    void demandIsACountOrNothing() {
        assertThat(DemandReports.parseDemand("7")).isEqualTo(7);
        assertThat(DemandReports.parseDemand(" 3 ")).isEqualTo(3);
        assertThat(DemandReports.parseDemand("-2")).isZero();
        assertThat(DemandReports.parseDemand("lots")).isZero();
        assertThat(DemandReports.parseDemand(null)).isZero();
    }

    @Test
    void configMapNamesFitTheApiServersLimit() {
        assertThat(DemandReports.configMapName("klambda-invoker-7d9f-x2x"))
                .isEqualTo("klambda-demand-klambda-invoker-7d9f-x2x");
        assertThat(DemandReports.configMapName("a".repeat(300))).hasSize(253);
    }
}
