package dev.klambda.poller.async;

import java.util.concurrent.CompletionStage;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.async.AsyncEvent;

/** How the poller reaches functions: the invoker's synchronous path, in process or over HTTP. */
public interface AsyncFunctions {

    /**
     * The settings that apply to the event now.
     *
     * @throws LambdaException when the function is gone or the caller may no longer invoke it
     */
    AsyncSettings settings(AsyncEvent event);

    /**
     * One attempt: the function's answer, an error or not. Throttles, environments that fail and
     * other platform errors fail the stage with a {@link LambdaException}.
     */
    CompletionStage<InvocationRecords.Response> invoke(AsyncEvent event);
}
