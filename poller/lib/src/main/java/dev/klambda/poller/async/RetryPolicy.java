package dev.klambda.poller.async;

import java.time.Duration;
import java.util.List;

import dev.klambda.poller.Backoff;

/**
 * Lambda's waits between attempts of an asynchronous event: fixed delays after function errors
 * (about 1, then 2 minutes), and after throttles and platform errors a delay that doubles from
 * {@code firstBackoff} up to {@code maxBackoff}.
 */
public record RetryPolicy(List<Duration> functionErrorDelays, Duration firstBackoff, Duration maxBackoff) {

    /** Lambda's waits. */
    public static final RetryPolicy LAMBDA = new RetryPolicy(List.of(Duration.ofMinutes(1), Duration.ofMinutes(2)),
            Duration.ofSeconds(1), Duration.ofMinutes(5));

    public RetryPolicy {
        if (functionErrorDelays.isEmpty()) {
            throw new IllegalArgumentException("at least one delay after a function error is needed");
        }
        functionErrorDelays = List.copyOf(functionErrorDelays);
    }

    /** The wait before retry number {@code retry} (1 for the second attempt) after a function error. */
    public Duration afterFunctionError(int retry) {
        return functionErrorDelays.get(Math.min(Math.max(retry, 1), functionErrorDelays.size()) - 1);
    }

    /** The wait after {@code backoffs} throttles or platform errors in a row have already been waited for. */
    public Duration backoff(int backoffs) {
        return new Backoff(firstBackoff, maxBackoff).after(backoffs);
    }
}
