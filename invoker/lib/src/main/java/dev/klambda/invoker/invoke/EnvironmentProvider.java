package dev.klambda.invoker.invoke;

import java.util.concurrent.CompletionStage;

import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;

/**
 * Where invocations run: local runtime processes in standalone mode, function pods in a cluster.
 * The invoker has already admitted the invocation under the concurrency limits; the provider runs
 * it in an idle environment of {@code target}, one invocation per environment at a time, and when
 * none is idle it starts one (or waits for one to come free) until the invocation's deadline.
 */
public interface EnvironmentProvider {

    /**
     * Runs {@code request} on {@code target}. Completes with the runtime's answer (which may be a
     * function error); fails with a {@link dev.klambda.core.error.LambdaException} when the
     * environment cannot be made (bad code, missing runtime) or no environment came free in time.
     */
    CompletionStage<InvokeResult> invoke(Target target, InvokeRequest request);

    /**
     * Reports how many invocations of {@code target}'s function run now, just before one more is
     * dispatched, so that a provider whose environments take long to start (pods) can start them
     * ahead of need. Called on the request path: must return at once.
     */
    default void demand(Target target, int running) {
    }

    /**
     * How many environments of a function's version are initialised now (idle or busy), for
     * provisioned concurrency's Available count. Providers that cannot tell say 0.
     */
    default int initialised(String namespace, String functionName, String version) {
        return 0;
    }
}
