package dev.klambda.core.tenant;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One tenant: a Kubernetes namespace that appears to AWS clients as a 12-digit account, and the
 * access keys whose callers act as that account.
 *
 * @param concurrencyLimit the most invocations the account may run at once (Lambda's account
 *        concurrency, 1000 by default)
 */
public record Tenant(String namespace, String accountId, List<AccessKey> accessKeys, int concurrencyLimit) {

    /** Lambda's default account concurrency. */
    public static final int DEFAULT_CONCURRENCY_LIMIT = 1000;

    private static final Pattern ACCOUNT_ID = Pattern.compile("[0-9]{12}");
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    public Tenant {
        if (namespace == null || namespace.length() > 63 || !NAMESPACE.matcher(namespace).matches()) {
            throw new IllegalArgumentException("tenant namespace '" + namespace + "' is not a Kubernetes namespace name");
        }
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException(
                    "tenant " + namespace + ": account id '" + accountId + "' is not 12 digits");
        }
        accessKeys = List.copyOf(accessKeys);
        if (concurrencyLimit < 0) {
            throw new IllegalArgumentException(
                    "tenant " + namespace + ": concurrency limit " + concurrencyLimit + " is negative");
        }
    }

    /** A tenant with Lambda's default account concurrency. */
    public Tenant(String namespace, String accountId, List<AccessKey> accessKeys) {
        this(namespace, accountId, accessKeys, DEFAULT_CONCURRENCY_LIMIT);
    }
}
