package dev.klambda.poller.cluster;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the poller knows every EventSourceMapping the API server had when it started. */
@Readiness
@ApplicationScoped
public class MappingsReadiness implements HealthCheck {

    @Inject
    PollerMappings mappings;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("event-source-mappings").status(mappings.synced()).build();
    }
}
