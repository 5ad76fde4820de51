package dev.klambda.standalone.api;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.standalone.StandaloneConfig;

/**
 * Decides which tenant an API call acts for. Until requests are authenticated with SigV4, every
 * caller acts for the tenant of the default namespace.
 */
@ApplicationScoped
public class Callers {

    private final Tenant defaultTenant;

    @Inject
    public Callers(TenantTable tenants, StandaloneConfig config) {
        this.defaultTenant = tenants.byNamespace(config.defaultNamespace()).orElseThrow(() -> new IllegalStateException(
                "the tenant table has no entry for the default namespace " + config.defaultNamespace()));
    }

    /** The tenant of the current caller. */
    public Tenant current() {
        return defaultTenant;
    }
}
