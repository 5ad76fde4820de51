package dev.klambda.poller.async;

import java.time.Duration;

/**
 * What applies to an event now: the event invoke config of the qualifier it was invoked with (else
 * the function's), the dead-letter target of the version that would run, and whether the function
 * may run at all.
 *
 * @param functionArn the version that would run, qualified, as invocation records name it
 * @param onSuccess the on-success destination, or null
 * @param onFailure the on-failure destination, or null
 * @param deadLetter the dead-letter target, or null
 * @param zeroReservedConcurrency the function's reserved concurrency is 0, so it never runs
 */
public record AsyncSettings(String functionArn, int maximumRetryAttempts, Duration maximumEventAge, String onSuccess,
        String onFailure, String deadLetter, boolean zeroReservedConcurrency) {

    /** Lambda's default: two retries after a function error. */
    public static final int DEFAULT_RETRY_ATTEMPTS = 2;
    /** Lambda's default: six hours. */
    public static final Duration DEFAULT_EVENT_AGE = Duration.ofHours(6);
}
