package dev.klambda.invoker.async;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.klambda.core.error.LambdaException;

/** Where asynchronous invocations wait for the poller: Kafka in both modes. */
public interface EventQueue {

    /** A queue for a platform without one: every event is refused with a clear error. */
    EventQueue NONE = event -> CompletableFuture.failedFuture(LambdaException.invalidParameter(
            "InvocationType Event needs an event queue, and this invoker has no Kafka configured;"
                    + " invoke with RequestResponse"));

    /**
     * Stores a new event durably. The stage completes only once the event would survive a crash,
     * and fails with a {@link LambdaException} when it could not be stored.
     */
    CompletionStage<Void> enqueue(AsyncEvent event);
}
