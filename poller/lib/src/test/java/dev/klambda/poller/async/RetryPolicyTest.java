package dev.klambda.poller.async;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {

    @ParameterizedTest(name = "retry {0} after a function error waits {1}")
    @CsvSource({ "1, PT1M", "2, PT2M", "3, PT2M" })
    void waitsLambdasMinutesAfterFunctionErrors(int retry, Duration wait) {
        assertThat(RetryPolicy.LAMBDA.afterFunctionError(retry)).isEqualTo(wait);
    }

    @ParameterizedTest(name = "after {0} backoffs the next waits {1}")
    @CsvSource({ "0, PT1S", "1, PT2S", "4, PT16S", "8, PT4M16S", "9, PT5M", "100, PT5M" })
    void doublesTheWaitAfterThrottlesUpToFiveMinutes(int backoffs, Duration wait) {
        assertThat(RetryPolicy.LAMBDA.backoff(backoffs)).isEqualTo(wait);
    }
}
