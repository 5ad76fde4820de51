package dev.klambda.core.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.alias.RoutingConfig;

class AliasRoutingTest {

    static Stream<Arguments> picks() {
        return Stream.of(
                Arguments.of("no weights: always the alias's version", "1", Map.of(), 0.99, "1"),
                Arguments.of("below the canary's share", "1", Map.of("2", 0.3), 0.29, "2"),
                Arguments.of("at the canary's share", "1", Map.of("2", 0.3), 0.3, "1"),
                Arguments.of("first of two extra versions", "1", ordered("3", 0.2, "2", 0.1), 0.05, "2"),
                Arguments.of("second of two extra versions", "1", ordered("3", 0.2, "2", 0.1), 0.25, "3"),
                Arguments.of("past both extra versions", "1", ordered("3", 0.2, "2", 0.1), 0.31, "1"),
                Arguments.of("weights of 1 leave nothing to the alias's version", "1", Map.of("2", 1.0), 0.999, "2"),
                Arguments.of("a zero weight never runs", "1", ordered("2", 0.0, "3", 0.5), 0.0, "3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("picks")
    void picksTheVersionWhoseShareTheRandomNumberFallsIn(String name, String primary, Map<String, Double> weights,
            double random, String expected) {
        AliasSpec spec = new AliasSpec("hello", "live", primary, null, new RoutingConfig(weights), null, null, null);

        assertThat(AliasRouting.of(spec).pick(random)).isEqualTo(expected);
    }

    private static Map<String, Double> ordered(String v1, double w1, String v2, double w2) {
        Map<String, Double> weights = new LinkedHashMap<>();
        weights.put(v1, w1);
        weights.put(v2, w2);
        return weights;
    }
}
