package dev.klambda.invoker.invoke;

import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;

/**
 * A concrete version of a function that an invocation runs on.
 *
 * @param tenant the account (namespace) the function belongs to
 * @param function the function
 * @param version {@code $LATEST} or a published version number
 * @param configuration the version's configuration: $LATEST's spec, or a version's frozen snapshot
 * @param revision changes whenever the version's code or configuration does (only $LATEST's can)
 */
public record Target(Tenant tenant, Function function, String version, FunctionConfiguration configuration,
        String revision) {

    public String functionName() {
        return function.functionName();
    }
}
