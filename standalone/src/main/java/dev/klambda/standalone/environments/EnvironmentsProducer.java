package dev.klambda.standalone.environments;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.vertx.core.Vertx;

import dev.klambda.agent.Interpreters;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.standalone.StandaloneConfig;
import dev.klambda.standalone.store.ManifestDirectoryStore;

/** Standalone's environment provider, with the interpreters found on this machine. */
@ApplicationScoped
public class EnvironmentsProducer {

    @Produces
    @Singleton
    LocalEnvironments environments(Vertx vertx, StandaloneConfig config, DirectoryCodeStore codeStore,
            ManifestDirectoryStore store, LayerStore layers) {
        var home = config.home().toAbsolutePath().normalize();
        return new LocalEnvironments(vertx, config.region(), codeStore, home, LocalEnvironments.runtimeFiles(home),
                Interpreters.detect(System.getenv()), config.environments().idleTimeout(),
                store::manifestOf, layers, Clock.systemUTC());
    }

    void close(@Disposes LocalEnvironments environments) {
        environments.close();
    }
}
