package dev.klambda.invoker.routing;

import dev.klambda.core.name.Qualifiers;
import dev.klambda.invoker.invoke.Target;

/**
 * What a function name resolved to.
 *
 * @param target the concrete version that runs
 * @param qualifier the qualifier the caller gave (an alias, a version or {@code $LATEST}), or null
 * @param invokedArn the ARN as invoked, qualified when the caller gave a qualifier; the runtime sees it
 */
public record Resolution(Target target, String qualifier, String invokedArn) {

    /** The alias invoked, or null when the caller named a version or no qualifier. */
    public String alias() {
        return qualifier == null || Qualifiers.isLatest(qualifier) || Qualifiers.isVersionNumber(qualifier) ? null
                : qualifier;
    }
}
