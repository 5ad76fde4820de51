package dev.klambda.poller.async;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.async.InvocationRecords.Condition;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.KafkaEventQueue;
import dev.klambda.poller.destination.Destinations;
import dev.klambda.poller.destination.UnsupportedDestinationException;

/**
 * One attempt of an asynchronous event, and what follows from it, as Lambda does it: a success goes
 * to the on-success destination; a function error is retried up to {@code MaximumRetryAttempts}
 * after Lambda's delays; a throttle or platform error is retried with a growing backoff while the
 * event is younger than {@code MaximumEventAgeInSeconds}; an event that ran out of either goes to
 * the on-failure destination and the dead-letter target. A retry is a new record on the retry
 * topic, so waiting never holds a consumer.
 */
public final class AsyncProcessor {

    private static final Logger LOG = Logger.getLogger(AsyncProcessor.class);

    private final AsyncFunctions functions;
    private final KafkaEventQueue queue;
    private final Destinations destinations;
    private final RetryPolicy policy;
    private final AsyncMetrics metrics;
    private final ScheduledExecutorService timers;
    private final Clock clock;

    public AsyncProcessor(AsyncFunctions functions, KafkaEventQueue queue, Destinations destinations, RetryPolicy policy,
            AsyncMetrics metrics, ScheduledExecutorService timers, Clock clock) {
        this.functions = functions;
        this.queue = queue;
        this.destinations = destinations;
        this.policy = policy;
        this.metrics = metrics;
        this.timers = timers;
        this.clock = clock;
    }

    /**
     * Handles the event's next attempt. The stage completes once nothing about this record is left
     * to do (the event succeeded, is stored for a retry, was delivered to its failure targets, or
     * was dropped), so its offset may be committed; it fails only when storing a retry failed.
     */
    public CompletionStage<Void> process(AsyncEvent event) {
        String function = functionName(event.functionArn());
        Instant now = clock.instant();
        metrics.received(function);
        metrics.age(function, Duration.between(event.enqueuedAt(), now));
        AsyncSettings settings;
        try {
            settings = functions.settings(event);
        } catch (LambdaException e) {
            return drop(event, function, "function_gone", e.getMessage());
        }
        if (!now.isBefore(expiry(event, settings))) {
            return fail(event, function, settings, Condition.EventAgeExceeded, null, event.attempts() > 0 ? 200 : 429,
                    tooOld(settings));
        }
        if (settings.zeroReservedConcurrency()) {
            return fail(event, function, settings, Condition.ZeroReservedConcurrency, null, 429,
                    "The function's reserved concurrency is 0");
        }
        return functions.invoke(event).handle((response, failure) -> {
            if (failure == null) {
                return answered(event, function, settings, response);
            }
            return notAnswered(event, function, settings, LambdaException.cause(failure));
        }).thenCompose(next -> next);
    }

    private CompletionStage<Void> answered(AsyncEvent event, String function, AsyncSettings settings,
            InvocationRecords.Response response) {
        if (response.functionError() == null) {
            if (settings.onSuccess() == null) {
                return CompletableFuture.completedFuture(null);
            }
            byte[] record = InvocationRecords.record(clock.instant(), event.requestId(),
                    executed(settings, response), Condition.Success, event.attempts() + 1, event.payload(), response);
            return deliver(function, "destination " + settings.onSuccess(), false,
                    () -> destinations.record(settings.onSuccess(), account(settings), event.requestId(), record));
        }
        int attempts = event.attempts() + 1;
        if (attempts <= settings.maximumRetryAttempts()) {
            metrics.retried(function, "function_error");
            return queue.retry(event.afterFunctionError(clock.instant().plus(policy.afterFunctionError(attempts))));
        }
        return fail(event.afterFunctionError(null), function, settings, Condition.RetriesExhausted, response, 200,
                InvocationRecords.errorMessage(response.payload()));
    }

    private CompletionStage<Void> notAnswered(AsyncEvent event, String function, AsyncSettings settings,
            Throwable failure) {
        if (failure instanceof LambdaException e && (e.type() == ErrorType.ResourceNotFoundException
                || e.type() == ErrorType.AccessDeniedException)) {
            return drop(event, function, "function_gone", e.getMessage());
        }
        int status = failure instanceof LambdaException e ? e.type().status() : 500;
        Instant due = clock.instant().plus(policy.backoff(event.backoffs()));
        if (due.isAfter(expiry(event, settings))) {
            return fail(event, function, settings, Condition.EventAgeExceeded, null, status, tooOld(settings));
        }
        metrics.retried(function, status == 429 ? "throttle" : "platform_error");
        LOG.debugf("Event %s of %s waits until %s after: %s", event.requestId(), event.functionArn(), due,
                failure.getMessage());
        return queue.retry(event.afterBackoff(due));
    }

    /** Sends the event to its on-failure destination and dead-letter target; without either it is dropped. */
    private CompletionStage<Void> fail(AsyncEvent event, String function, AsyncSettings settings, Condition condition,
            InvocationRecords.Response response, int errorCode, String errorMessage) {
        List<CompletableFuture<Void>> deliveries = new ArrayList<>(2);
        if (settings.onFailure() != null) {
            byte[] record = InvocationRecords.record(clock.instant(), event.requestId(),
                    response == null ? settings.functionArn() : executed(settings, response), condition,
                    event.attempts(), event.payload(), response);
            deliveries.add(deliver(function, "destination " + settings.onFailure(), false,
                    () -> destinations.record(settings.onFailure(), account(settings), event.requestId(), record)));
        }
        if (settings.deadLetter() != null) {
            deliveries.add(deliver(function, "dead-letter target " + settings.deadLetter(), true,
                    () -> destinations.deadLetter(settings.deadLetter(), event, errorCode, errorMessage)));
        }
        if (deliveries.isEmpty()) {
            return drop(event, function, condition.name(), errorMessage);
        }
        return CompletableFuture.allOf(deliveries.toArray(CompletableFuture[]::new));
    }

    /**
     * Delivers until it worked, waiting longer after each failure; each failure is logged and
     * counted. Only a destination klambda cannot reach at all is given up.
     */
    private CompletableFuture<Void> deliver(String function, String what, boolean deadLetter,
            Supplier<CompletionStage<Void>> send) {
        CompletableFuture<Void> delivered = new CompletableFuture<>();
        attempt(function, what, deadLetter, send, 0, delivered);
        return delivered;
    }

    private void attempt(String function, String what, boolean deadLetter, Supplier<CompletionStage<Void>> send,
            int failures, CompletableFuture<Void> delivered) {
        send.get().whenComplete((ok, failure) -> {
            if (failure == null) {
                delivered.complete(null);
                return;
            }
            Throwable cause = LambdaException.cause(failure);
            if (deadLetter) {
                metrics.deadLetterError(function);
            } else {
                metrics.destinationFailure(function);
            }
            if (cause instanceof UnsupportedDestinationException) {
                LOG.errorf("Gave up delivering to the %s of %s: %s", what, function, cause.getMessage());
                delivered.complete(null);
                return;
            }
            Duration wait = policy.backoff(failures);
            LOG.warnf("Delivery to the %s of %s failed, trying again in %s: %s", what, function, wait,
                    cause.getMessage());
            timers.schedule(() -> attempt(function, what, deadLetter, send, failures + 1, delivered), wait.toMillis(),
                    TimeUnit.MILLISECONDS);
        });
    }

    private CompletionStage<Void> drop(AsyncEvent event, String function, String reason, String detail) {
        metrics.dropped(function, reason);
        LOG.warnf("Dropped event %s of %s (%s): %s", event.requestId(), event.functionArn(), reason, detail);
        return CompletableFuture.completedFuture(null);
    }

    private static Instant expiry(AsyncEvent event, AsyncSettings settings) {
        return event.enqueuedAt().plus(settings.maximumEventAge());
    }

    private static String tooOld(AsyncSettings settings) {
        return "The event is older than its MaximumEventAgeInSeconds, " + settings.maximumEventAge().toSeconds()
                + " seconds";
    }

    /** The function ARN with the version that ran. */
    private static String executed(AsyncSettings settings, InvocationRecords.Response response) {
        String arn = settings.functionArn();
        return arn.substring(0, arn.lastIndexOf(':') + 1) + response.executedVersion();
    }

    /** The account in {@code arn:aws:lambda:<region>:<account>:function:<name>...}. */
    private static String account(AsyncSettings settings) {
        return settings.functionArn().split(":", 6)[4];
    }

    /** The function's name in an ARN as invoked, for metrics and logs; a record not written by us keeps its header. */
    static String functionName(String functionArn) {
        try {
            return FunctionReference.parse(functionArn, null, FunctionReference.Shape.NAMESPACED).name();
        } catch (LambdaException e) {
            return functionArn;
        }
    }
}
