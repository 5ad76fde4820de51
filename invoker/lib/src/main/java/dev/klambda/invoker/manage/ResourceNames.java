package dev.klambda.invoker.manage;

import java.util.Locale;

import dev.klambda.core.code.CodeDigest;

/**
 * Kubernetes names for resources the API creates. A Lambda name that is already a valid resource
 * name is used as it is; others (capitals, underscores) get a lowercase form and a short hash of
 * the Lambda name, so that {@code My_Func} and {@code my-func} never share a resource.
 */
final class ResourceNames {

    private ResourceNames() {
    }

    static String of(String lambdaName) {
        if (lambdaName.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
            return lambdaName;
        }
        String base = lambdaName.toLowerCase(Locale.ROOT).replace('_', '-').replaceAll("^-+|-+$", "");
        String hash = CodeDigest.sha256Hex(lambdaName).substring(0, 8);
        return (base.isEmpty() ? "fn" : base) + "-" + hash;
    }
}
