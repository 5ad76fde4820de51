package dev.klambda.standalone;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.api.FunctionConfigurations;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.invoker.config.TenantConfig;

/** Wires core's plain classes into the application. */
@ApplicationScoped
public class StandaloneBeans {

    @Produces
    @Singleton
    TenantTable tenants(StandaloneConfig config) {
        return TenantConfig.table(config.tenants());
    }

    @Produces
    @Singleton
    ManifestValidator validator(ObjectMapper mapper) {
        return new ManifestValidator(mapper);
    }

    @Produces
    @Singleton
    DirectoryCodeStore codeStore(StandaloneConfig config) {
        return new DirectoryCodeStore(config.home().toAbsolutePath().resolve("code"));
    }

    @Produces
    @Singleton
    LayerStore layerStore(StandaloneConfig config) {
        return new LayerStore(config.home().toAbsolutePath().resolve("layers"));
    }

    @Produces
    @Singleton
    FunctionConfigurations functionConfigurations(StandaloneConfig config) {
        return new FunctionConfigurations(config.region(), FunctionConfigurations.hostArchitecture());
    }
}
