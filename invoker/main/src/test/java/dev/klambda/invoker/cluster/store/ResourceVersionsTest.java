package dev.klambda.invoker.cluster.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResourceVersionsTest {

    @ParameterizedTest(name = "cache at {0}, write at {1}: shown {2}")
    @CsvSource({
            "41, 41, true",
            "42, 41, true",
            "40, 41, false",
            "100, 99, true",
            "abc, abc, true",
            "abd, abc, false",
            ", 41, false" })
    void tellsWhetherTheCacheShowsAWrite(String seen, String written, boolean shown) {
        assertThat(ResourceVersions.atLeast(seen, written)).isEqualTo(shown);
    }

    @ParameterizedTest(name = "cache at {0}, caller read {1}: changed since {2}")
    @CsvSource({
            "41, 41, false",
            "42, 41, true",
            "100, 99, true",
            "40, 41, false",
            "abd, abc, true",
            "abc, abc, false",
            ", 41, false" })
    void tellsWhetherTheCacheHoldsALaterVersionThanTheCallerRead(String cached, String expected, boolean later) {
        assertThat(ResourceVersions.later(cached, expected)).isEqualTo(later);
    }
}
