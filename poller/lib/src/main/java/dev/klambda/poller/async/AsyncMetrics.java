package dev.klambda.poller.async;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Lambda's asynchronous invocation metrics as Micrometer meters, per function: events received,
 * event age when processed, retries, events dropped, dead-letter errors and destination delivery
 * failures.
 */
public final class AsyncMetrics {

    private final MeterRegistry registry;

    public AsyncMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** An event was taken from the queue for an attempt. */
    public void received(String function) {
        counter("klambda.async.events.received", "Asynchronous events taken from the queue for an attempt", function)
                .increment();
    }

    /** How long an event had waited when it was attempted, or given up. */
    public void age(String function, Duration age) {
        Timer.builder("klambda.async.event.age").description("Time from an event's 202 to its attempt")
                .tag("function", function).register(registry).record(age.isNegative() ? Duration.ZERO : age);
    }

    /** An event will be attempted again; {@code reason} is function_error, throttle or platform_error. */
    public void retried(String function, String reason) {
        counter("klambda.async.retries", "Asynchronous events scheduled for another attempt", function, "reason", reason)
                .increment();
    }

    /** An event ended without a success and without reaching a destination or dead-letter target. */
    public void dropped(String function, String reason) {
        counter("klambda.async.events.dropped",
                "Asynchronous events given up without success and without a destination", function, "reason", reason)
                .increment();
    }

    /** Sending a dead letter failed (it is retried). */
    public void deadLetterError(String function) {
        counter("klambda.async.dead.letter.errors", "Failed sends to a dead-letter target", function).increment();
    }

    /** Delivering an invocation record failed (it is retried). */
    public void destinationFailure(String function) {
        counter("klambda.async.destination.delivery.failures", "Failed deliveries to an on-success or on-failure destination",
                function).increment();
    }

    /** The counter of {@code function} with {@code moreTags} (name, value, ...). */
    private Counter counter(String name, String description, String function, String... moreTags) {
        return Counter.builder(name).description(description).tag("function", function).tags(moreTags)
                .register(registry);
    }
}
