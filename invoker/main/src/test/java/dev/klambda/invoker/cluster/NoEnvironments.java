package dev.klambda.invoker.cluster;

import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.invoker.invoke.EnvironmentProvider;

/**
 * TEMPORARY, for tests only: the cluster's environment provider (function pods) is being written
 * elsewhere, and the application does not start without one. Every invocation fails. Delete this
 * class when the real provider lands in src/main.
 */
@ApplicationScoped
public class NoEnvironments {

    @Produces
    @Singleton
    EnvironmentProvider environments() {
        return (target, request) -> CompletableFuture.failedFuture(new LambdaException(ErrorType.ServiceException,
                "function pods are not wired into this build yet"));
    }
}
