package dev.klambda.core.tenant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps Kubernetes namespaces to AWS-style accounts and access keys to tenants. Immutable; build
 * it from configuration.
 */
public final class TenantTable {

    private final List<Tenant> tenants;
    private final Map<String, Tenant> byNamespace = new HashMap<>();
    private final Map<String, Tenant> byAccountId = new HashMap<>();
    private final Map<String, Tenant> byAccessKeyId = new HashMap<>();
    private final Map<String, AccessKey> accessKeys = new HashMap<>();

    /**
     * @throws IllegalArgumentException when two tenants share a namespace, an account id or an access key id
     */
    public TenantTable(List<Tenant> tenants) {
        this.tenants = List.copyOf(tenants);
        for (Tenant tenant : this.tenants) {
            if (byNamespace.put(tenant.namespace(), tenant) != null) {
                throw new IllegalArgumentException("namespace " + tenant.namespace() + " is in the tenant table twice");
            }
            if (byAccountId.put(tenant.accountId(), tenant) != null) {
                throw new IllegalArgumentException("account " + tenant.accountId() + " is in the tenant table twice");
            }
            for (AccessKey key : tenant.accessKeys()) {
                if (byAccessKeyId.put(key.id(), tenant) != null) {
                    throw new IllegalArgumentException("access key " + key.id() + " belongs to two tenants");
                }
                accessKeys.put(key.id(), key);
            }
        }
    }

    public List<Tenant> tenants() {
        return tenants;
    }

    public Optional<Tenant> byNamespace(String namespace) {
        return Optional.ofNullable(byNamespace.get(namespace));
    }

    public Optional<Tenant> byAccountId(String accountId) {
        return Optional.ofNullable(byAccountId.get(accountId));
    }

    public Optional<Tenant> byAccessKeyId(String accessKeyId) {
        return Optional.ofNullable(byAccessKeyId.get(accessKeyId));
    }

    public Optional<AccessKey> accessKey(String accessKeyId) {
        return Optional.ofNullable(accessKeys.get(accessKeyId));
    }
}
