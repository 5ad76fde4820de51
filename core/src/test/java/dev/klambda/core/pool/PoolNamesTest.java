package dev.klambda.core.pool;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PoolNamesTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "hello, $LATEST, hello-latest",
            "hello, 3, hello-v3",
            "Hello, 3, hello-d8b3b0c8-v3",
            "my_func, $LATEST, my-func-2f3e06e6-latest",
    })
    void namesPoolsAsDnsLabels(String function, String version, String expected) {
        String pool = PoolNames.pool(function, version);
        assertThat(pool).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);
        assertThat(pool).startsWith(expected.substring(0, expected.indexOf('-') + 1)).endsWith(
                expected.substring(expected.lastIndexOf('-')));
    }

    @ParameterizedTest
    @CsvSource({ "Hello", "HELLO", "hello_", "_hello" })
    void neverGivesTwoFunctionsOnePool(String other) {
        assertThat(PoolNames.pool(other, "1")).isNotEqualTo(PoolNames.pool("hello", "1"));
        assertThat(PoolNames.functionLabel(other)).isNotEqualTo(PoolNames.functionLabel("hello"));
    }

    @ParameterizedTest
    @CsvSource({ "a", "hello-world", "_leading", "trailing-" })
    void writesValidLabelValues(String function) {
        assertThat(PoolNames.functionLabel(function)).matches("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
        assertThat(PoolNames.functionLabel("x".repeat(64))).hasSizeLessThanOrEqualTo(63);
        assertThat(PoolNames.pool("x".repeat(64), "123456")).hasSizeLessThanOrEqualTo(63);
    }
}
