package dev.klambda.invoker.auth;

import java.util.List;

import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;
import dev.klambda.crds.v1alpha1.function.Permission;
import dev.klambda.invoker.routing.Resolution;
import dev.klambda.invoker.routing.Resolver;

/**
 * A function's resource policy (its {@code AddPermission} statements) applied to a caller. Callers
 * of the function's own account are always allowed, as IAM allows an account's own principals; a
 * caller of another account needs a statement that names its account (or {@code *}), the action
 * and the qualifier it invoked. klambda's callers are accounts signing with access keys, so
 * statements for service principals or with source conditions never match them.
 */
public final class ResourcePolicy {

    public static final String INVOKE_FUNCTION = "lambda:InvokeFunction";
    public static final String INVOKE_FUNCTION_URL = "lambda:InvokeFunctionUrl";

    private ResourcePolicy() {
    }

    /**
     * @param urlAuthType the function URL's auth type when the call came through one, else null
     * @throws dev.klambda.core.error.LambdaException 403 AccessDeniedException when nothing allows the call
     */
    public static void authorize(Tenant caller, Resolution resolution, String action,
            FunctionUrlConfig.AuthType urlAuthType) {
        Tenant owner = resolution.target().tenant();
        if (owner.accountId().equals(caller.accountId())) {
            return;
        }
        List<Permission> statements = resolution.target().function().getSpec().getPermissions();
        if (statements != null) {
            for (Permission statement : statements) {
                if (allows(statement, caller.accountId(), action, resolution.qualifier(), urlAuthType)) {
                    return;
                }
            }
        }
        throw Resolver.accessDenied(caller, action, resolution.invokedArn());
    }

    static boolean allows(Permission statement, String callerAccount, String action, String qualifier,
            FunctionUrlConfig.AuthType urlAuthType) {
        boolean actionMatches = statement.action().equals(action) || statement.action().equals("lambda:*");
        String principal = statement.principal();
        boolean principalMatches = principal.equals("*") || principal.equals(callerAccount)
                || principal.equals("arn:aws:iam::" + callerAccount + ":root");
        boolean qualifierMatches = statement.qualifier() == null ? qualifier == null || qualifier.equals("$LATEST")
                : statement.qualifier().equals(qualifier);
        boolean urlMatches = statement.functionUrlAuthType() == null || statement.functionUrlAuthType() == urlAuthType;
        // Conditions on the calling service or organisation cannot hold for a caller signing with its own keys.
        boolean unconditional = statement.sourceArn() == null && statement.sourceAccount() == null
                && statement.principalOrgID() == null && statement.eventSourceToken() == null;
        return actionMatches && principalMatches && qualifierMatches && urlMatches && unconditional;
    }
}
