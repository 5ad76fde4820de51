package dev.klambda.invoker.config;

import java.util.List;

import io.smallrye.config.WithDefault;

import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;

/**
 * One tenant as the invoker's hosts configure it ({@code klambda.tenants[i].*}, in standalone and
 * in the cluster service alike): a namespace, the 12-digit account id clients see, the access keys
 * that sign for it, and its concurrency limit.
 */
public interface TenantConfig {

    String namespace();

    String accountId();

    List<AccessKeyConfig> accessKeys();

    /** The most invocations the account may run at once, as Lambda's account concurrency. */
    @WithDefault("1000")
    int concurrencyLimit();

    /** One access key pair. */
    interface AccessKeyConfig {
        String id();

        String secret();
    }

    /** The tenant table of {@code tenants}. */
    static TenantTable table(List<? extends TenantConfig> tenants) {
        return new TenantTable(tenants.stream()
                .map(t -> new Tenant(t.namespace(), t.accountId(),
                        t.accessKeys().stream().map(k -> new AccessKey(k.id(), k.secret())).toList(),
                        t.concurrencyLimit()))
                .toList());
    }
}
