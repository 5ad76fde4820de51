package dev.klambda.poller.mapping;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;

/** The ARNs and accounts of mappings' functions, from the tenant table: what every way of invoking them shares. */
public abstract class TenantMappingFunctions implements MappingFunctions {

    protected final TenantTable tenants;
    protected final String region;

    protected TenantMappingFunctions(TenantTable tenants, String region) {
        this.tenants = tenants;
        this.region = region;
    }

    @Override
    public String functionArn(String namespace, String function) {
        return FunctionReference.parse(function, null, FunctionReference.Shape.NAMESPACED).arn(region,
                account(namespace));
    }

    @Override
    public String account(String namespace) {
        return tenant(namespace).accountId();
    }

    /** The tenant of {@code namespace}; an {@code AccessDeniedException} when it is none's. */
    protected Tenant tenant(String namespace) {
        return tenants.byNamespace(namespace).orElseThrow(() -> new LambdaException(ErrorType.AccessDeniedException,
                "Namespace " + namespace + " is not a tenant's"));
    }
}
