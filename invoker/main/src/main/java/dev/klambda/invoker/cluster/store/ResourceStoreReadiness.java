package dev.klambda.invoker.cluster.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the informers hold every Function, Version, Alias and EventSourceMapping the API
 * server had when they started: before that, a request could find a function missing that exists.
 */
@Readiness
@ApplicationScoped
public class ResourceStoreReadiness implements HealthCheck {

    @Inject
    KubernetesResourceStore store;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("resource-store").status(store.synced());
        store.counts().forEach(response::withData);
        return response.build();
    }
}
