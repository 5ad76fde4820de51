package dev.klambda.standalone;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.api.FunctionConfigurations;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.core.validation.ManifestValidator;

/** Wires core's plain classes into the application. */
@ApplicationScoped
public class StandaloneBeans {

    @Produces
    @Singleton
    TenantTable tenants(StandaloneConfig config) {
        return new TenantTable(config.tenants().stream()
                .map(t -> new Tenant(t.namespace(), t.accountId(),
                        t.accessKeys().stream().map(k -> new AccessKey(k.id(), k.secret())).toList(),
                        t.concurrencyLimit()))
                .toList());
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
