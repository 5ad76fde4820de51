package dev.klambda.invoker.auth;

import dev.klambda.core.tenant.Tenant;

/**
 * Who signed a request: an access key of a tenant's account.
 *
 * @param tenant the account (namespace) the key belongs to
 * @param accessKeyId the key that signed
 */
public record Caller(Tenant tenant, String accessKeyId) {

    /** The caller as IAM names it in AccessDenied messages: the account's root. */
    public String principalArn() {
        return "arn:aws:iam::" + tenant.accountId() + ":root";
    }
}
