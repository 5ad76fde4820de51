package dev.klambda.standalone.store;

import java.io.IOException;
import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.Startup;

import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.standalone.StandaloneConfig;

/** Starts the manifest store with the application (loading everything before requests are served) and stops it with it. */
@ApplicationScoped
public class StoreProducer {

    @Produces
    @Singleton
    @Startup
    ManifestDirectoryStore store(StandaloneConfig config, ManifestValidator validator, DirectoryCodeStore codeStore,
            ObjectMapper mapper) throws IOException {
        ManifestDirectoryStore store = new ManifestDirectoryStore(config.manifests(),
                config.home().toAbsolutePath().resolve("resources"),
                config.defaultNamespace(), validator,
                new FunctionStatuses(codeStore, mapper),
                new VersionFreezer(config.home().toAbsolutePath(), codeStore, mapper, Clock.systemUTC()));
        store.start();
        return store;
    }

    void close(@Disposes ManifestDirectoryStore store) throws IOException {
        store.close();
    }
}
