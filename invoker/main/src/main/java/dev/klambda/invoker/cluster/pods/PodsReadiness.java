package dev.klambda.invoker.cluster.pods;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once the pod informer holds the function pods the API server had when it started: before
 * that, a request would wait for pods that are already there.
 */
@Readiness
@ApplicationScoped
public class PodsReadiness implements HealthCheck {

    @Inject
    ClusterPods.Running pods;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("function-pods").status(pods.directory().synced())
                .withData("replicas", pods.leases().members().size()).build();
    }
}
