package dev.klambda.standalone.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import dev.klambda.standalone.store.ManifestDirectoryStore;
import dev.klambda.standalone.store.Problem;

/**
 * Ready once the manifests are loaded. Invalid manifest files do not make the platform unready
 * (the functions already loaded keep working); they are listed in the check's data.
 */
@Readiness
@ApplicationScoped
public class ManifestsHealthCheck implements HealthCheck {

    @Inject
    ManifestDirectoryStore store;

    @Override
    public HealthCheckResponse call() {
        ManifestDirectoryStore.Snapshot snapshot = store.snapshot();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("manifests").up();
        snapshot.counts().forEach((kind, count) -> response.withData(kind, count));
        response.withData("problems", snapshot.problems().size());
        int i = 0;
        for (Problem problem : snapshot.problems()) {
            response.withData("problem." + i++, store.display(problem.file()) + ": " + problem.message());
        }
        return response.build();
    }
}
