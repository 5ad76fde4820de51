package dev.klambda.controller.demand;

import static dev.klambda.controller.Fixtures.demandReport;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;

import dev.klambda.controller.TestClock;
import dev.klambda.core.pool.DemandReports.PoolKey;

class DemandTest {

    static final Instant START = Instant.parse("2026-11-23T10:00:00Z");
    static final Duration STALENESS = Duration.ofSeconds(30);
    static final Duration IDLE = Duration.ofMinutes(10);
    static final PoolKey HELLO = new PoolKey("default", "hello-latest");
    static final String KEY = "default.hello-latest";

    final TestClock clock = new TestClock(START);
    final Demand demand = new Demand(clock, STALENESS, IDLE);

    /** The reports at the time the test looks, as functions of that time. */
    static Stream<Arguments> reports() {
        return Stream.of(
                table("one fresh report", 2, now -> List.of(report("a", now.minusSeconds(1), KEY, "2"))),
                table("two invokers add up", 5, now -> List.of(report("a", now, KEY, "2"),
                        report("b", now.minusSeconds(4), KEY, "3"))),
                table("a stale report counts as absent", 2, now -> List.of(report("a", now, KEY, "2"),
                        report("b", now.minusSeconds(31), KEY, "5"))),
                table("a report as old as the staleness is stale", 0,
                        now -> List.of(report("a", now.minus(STALENESS), KEY, "2"))),
                table("a report slightly ahead of the controller's clock counts", 2,
                        now -> List.of(report("a", now.plusSeconds(5), KEY, "2"))),
                table("a report without a time never counts", 0, now -> List.of(new ConfigMapBuilder()
                        .withNewMetadata().withName("untimed").endMetadata().addToData(KEY, "4").build())),
                table("a report with an unreadable time never counts", 0, now -> List.of(new ConfigMapBuilder(
                        report("a", now, KEY, "4")).editMetadata()
                        .addToAnnotations("klambda.dev/reported-at", "yesterday").endMetadata().build())),
                table("other pools count nothing", 1, now -> List.of(report("a", now, Map.of(KEY, "1",
                        "default.other-latest", "4", "team-b.hello-latest", "4", "default.hello-v1", "4")))),
                table("keys the invokers do not write are ignored", 1, now -> List.of(report("a", now,
                        Map.of(KEY, "1", "garbage", "5", "default.hello-latest.x", "5", ".hello-latest", "5")))),
                table("values that are not counts count nothing", 2, now -> List.of(report("a", now, KEY, "lots"),
                        report("b", now, KEY, "-3"), report("c", now, KEY, "2"))),
                table("a report without data counts nothing", 0,
                        now -> List.of(new ConfigMapBuilder(report("a", now, KEY, "1")).withData(null).build())),
                table("huge counts do not overflow", Integer.MAX_VALUE, now -> List.of(
                        report("a", now, KEY, String.valueOf(Integer.MAX_VALUE)),
                        report("b", now, KEY, String.valueOf(Integer.MAX_VALUE)))),
                table("no reports, no demand", 0, now -> List.of()));
    }

    @ParameterizedTest
    @MethodSource("reports")
    void sumsTheFreshReportsOfThePool(Function<Instant, List<ConfigMap>> reports, int expected) {
        assertThat(demand.reported(HELLO, reports.apply(START))).isEqualTo(expected);
        assertThat(demand.observe(HELLO, reports.apply(START), null).environments()).isEqualTo(expected);
    }

    @Test
    void moreDemandCountsAtOnce() {
        assertThat(observe(1)).isEqualTo(wanted(1, IDLE));
        clock.advance(Duration.ofSeconds(1));

        assertThat(observe(5)).isEqualTo(wanted(5, IDLE));
    }

    @Test
    void keepsTheHighestDemandOfTheIdleTimeAndSaysWhenItEnds() {
        observe(3);
        clock.advance(Duration.ofMinutes(2));
        assertThat(observe(1)).as("3 was asked for 2 minutes ago")
                .isEqualTo(wanted(3, Duration.ofMinutes(8)));
        clock.advance(Duration.ofMinutes(2));
        assertThat(observe(0)).isEqualTo(wanted(3, Duration.ofMinutes(6)));

        clock.advance(Duration.ofMinutes(6));
        assertThat(observe(0)).as("3 is 10 minutes old; 1 is 8")
                .isEqualTo(wanted(1, Duration.ofMinutes(2)));
        clock.advance(Duration.ofMinutes(2).minusMillis(1));
        assertThat(observe(0).environments()).isEqualTo(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(observe(0)).isEqualTo(Demand.Wanted.NONE);
    }

    @Test
    void demandThatGoesOnKeepsThePoolAndEndsIdleTimeAfterItStops() {
        for (int i = 0; i < 12 * 20; i++) {
            assertThat(observe(2)).isEqualTo(wanted(2, IDLE));
            clock.advance(Duration.ofSeconds(5));
        }
        Instant last = clock.instant().minusSeconds(5);
        Demand.Wanted idle = observe(0);
        assertThat(idle.environments()).isEqualTo(2);
        assertThat(idle.recheckAfter()).contains(Duration.between(clock.instant(), last.plus(IDLE)));

        clock.advance(idle.recheckAfter().orElseThrow());
        assertThat(observe(0)).isEqualTo(Demand.Wanted.NONE);
    }

    @Test
    void aReportThatGoesStaleIsRememberedOnlyForTheIdleTime() {
        List<ConfigMap> reports = List.of(report("a", START, KEY, "4"));
        assertThat(demand.observe(HELLO, reports, null).environments()).isEqualTo(4);

        clock.advance(STALENESS);
        assertThat(demand.reported(HELLO, reports)).as("the invoker stopped writing").isZero();
        assertThat(demand.observe(HELLO, reports, null).environments()).isEqualTo(4);

        clock.advance(IDLE.minus(STALENESS));
        assertThat(demand.observe(HELLO, reports, null)).isEqualTo(Demand.Wanted.NONE);
    }

    @Test
    void poolsAreRememberedApart() {
        PoolKey other = new PoolKey("default", "hello-v1");
        List<ConfigMap> reports = List.of(report("a", START, Map.of(KEY, "3", "default.hello-v1", "1")));

        assertThat(demand.observe(HELLO, reports, null).environments()).isEqualTo(3);
        assertThat(demand.observe(other, reports, null).environments()).isEqualTo(1);
    }

    @Test
    void forgetsPoolsNobodyAsksAboutForAnIdleTime() {
        observe(3);
        assertThat(demand.remembered()).isOne();
        clock.advance(IDLE);

        demand.observe(new PoolKey("default", "other-latest"), List.of(), null);

        assertThat(demand.remembered()).as("hello's function was deleted; its demand is forgotten").isZero();
    }

    @Test
    void withoutAnIdleTimeOnlyTheCurrentDemandCounts() {
        Demand immediate = new Demand(clock, STALENESS, Duration.ZERO);

        assertThat(immediate.observe(HELLO, List.of(report("a", START, KEY, "3")), null))
                .isEqualTo(new Demand.Wanted(3, Optional.empty(), Optional.empty()));
        assertThat(immediate.observe(HELLO, List.of(), null)).isEqualTo(Demand.Wanted.NONE);
    }

    @Test
    void aNewLeaderKeepsWhatThePoolsDeploymentRemembers() {
        String remembered = observe(3).annotation();
        assertThat(remembered).isEqualTo("3 until " + START.plus(IDLE));
        clock.advance(Duration.ofMinutes(4));
        Demand successor = new Demand(clock, STALENESS, IDLE);

        assertThat(observe(successor, 1, remembered)).as("3 was asked for 4 minutes ago, under the last leader")
                .isEqualTo(wanted(3, Duration.ofMinutes(6)));
        assertThat(observe(successor, 0, "5 until " + START)).as("remembered once, then its own memory counts")
                .isEqualTo(wanted(3, Duration.ofMinutes(6)));
        clock.advance(Duration.ofMinutes(6));
        assertThat(observe(successor, 0, remembered)).isEqualTo(wanted(1, Duration.ofMinutes(4)));
    }

    @ParameterizedTest
    @ValueSource(strings = { "3 until 2026-01-01T00:00:00Z", "lots until 2026-11-23T10:10:00Z", "3 until later",
            "3", "", "0 until 2026-11-23T10:10:00Z", "-2 until 2026-11-23T10:10:00Z" })
    void aMemoryThatIsOverOrUnreadableCountsNothing(String remembered) {
        assertThat(observe(new Demand(clock, STALENESS, IDLE), 1, remembered)).isEqualTo(wanted(1, IDLE));
    }

    @Test
    void aMemoryFromAClockAheadHoldsNoLongerThanTheIdleTime() {
        Demand successor = new Demand(clock, STALENESS, IDLE);

        assertThat(observe(successor, 0, "2 until " + START.plus(Duration.ofHours(5)))).isEqualTo(wanted(2, IDLE));
    }

    static Stream<Arguments> rewrites() {
        Instant now = START;
        return Stream.of(
                Arguments.of(Named.of("a count changed", report("a", now.minusSeconds(5), KEY, "1")),
                        report("a", now, KEY, "2"), true),
                Arguments.of(Named.of("a pool appeared", report("a", now.minusSeconds(5), KEY, "1")),
                        report("a", now, Map.of(KEY, "1", "default.hello-v1", "1")), true),
                Arguments.of(Named.of("the same counts, only fresher", report("a", now.minusSeconds(5), KEY, "1")),
                        report("a", now, KEY, "1"), false),
                Arguments.of(Named.of("the same counts, fresh again after going stale",
                        report("a", now.minusSeconds(40), KEY, "1")), report("a", now, KEY, "1"), true));
    }

    @ParameterizedTest
    @MethodSource("rewrites")
    void reconcilesOnlyForRewritesThatCanChangeDemand(ConfigMap before, ConfigMap after, boolean changes) {
        assertThat(demand.changes(before, after)).isEqualTo(changes);
    }

    private Demand.Wanted observe(int reported) {
        return observe(demand, reported, null);
    }

    private Demand.Wanted observe(Demand demand, int reported, String remembered) {
        return demand.observe(HELLO, List.of(report("a", clock.instant(), KEY, String.valueOf(reported))), remembered);
    }

    /** What is wanted now, for {@code recheckAfter} from now. */
    private Demand.Wanted wanted(int environments, Duration recheckAfter) {
        return new Demand.Wanted(environments, Optional.of(recheckAfter), Optional.of(clock.instant().plus(recheckAfter)));
    }

    private static Arguments table(String name, int expected, Function<Instant, List<ConfigMap>> reports) {
        return Arguments.of(Named.of(name, reports), expected);
    }

    private static ConfigMap report(String invoker, Instant at, String key, String value) {
        return report(invoker, at, Map.of(key, value));
    }

    private static ConfigMap report(String invoker, Instant at, Map<String, String> data) {
        return demandReport(invoker, at, data);
    }
}
