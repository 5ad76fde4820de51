package dev.klambda.controller.reconcile;

import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import dev.klambda.controller.config.ControllerConfig;

/** The tenant table as the controller needs it: the account of a namespace, and its concurrency limit. */
@Singleton
public class Tenants {

    @Inject
    ControllerConfig config;

    Optional<ControllerConfig.Tenant> byNamespace(String namespace) {
        return config.tenants().stream().filter(t -> t.namespace().equals(namespace)).findFirst();
    }

    Optional<String> namespaceOf(String accountId) {
        return config.tenants().stream().filter(t -> t.accountId().equals(accountId))
                .map(ControllerConfig.Tenant::namespace).findFirst();
    }

    String region() {
        return config.region();
    }
}
